import { authErrors } from './codes/auth.js';
import { requestErrors } from './codes/request.js';
import { warehouseErrors } from './codes/warehouses.js';
import type { ErrorDefinition } from './types.js';

/**
 * The one catalogue of error codes. Each domain keeps its codes in
 * ./codes/<domain>.ts; every code is defined exactly once (a duplicate key
 * across domains fails the catalogue test). docs/errors.md is generated from it.
 */
export const errorCatalogue = {
  ...requestErrors,
  ...authErrors,
  ...warehouseErrors,
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export const errorDomains: Record<string, Record<string, ErrorDefinition>> = {
  'Request and validation': requestErrors,
  'Partner authentication': authErrors,
  'Stock and warehouses': warehouseErrors,
};
