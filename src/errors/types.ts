export interface ErrorDefinition {
  status: number;
  message: string;
  hint: string;
}
export type ErrorDefinitions = Record<string, ErrorDefinition>;
