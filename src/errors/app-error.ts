import { errorCatalogue, type ErrorCode } from './catalogue.js';

/**
 * The only error type services throw for an expected failure. Status, message
 * and hint come from the catalogue; the caller supplies the context.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly hint: string;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, context: Record<string, unknown> = {}, message?: string) {
    const def = errorCatalogue[code];
    super(message ?? def.message);
    this.code = code;
    this.status = def.status;
    this.hint = def.hint;
    this.context = context;
  }
}

/** A per-row error in bulk responses (data.errors[]), built from the same catalogue. */
export function rowError(code: ErrorCode, fields: Record<string, unknown>, details: Record<string, unknown> = {}) {
  return { code, message: errorCatalogue[code].message, ...fields, details };
}
