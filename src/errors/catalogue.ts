import { authErrors } from './codes/auth.js';
import { requestErrors } from './codes/request.js';
import { warehouseErrors } from './codes/warehouses.js';
import { productErrors } from './codes/products.js';
import { bulkErrors } from './codes/bulk.js';
import { webhookErrors } from './codes/webhooks.js';
import { pimErrors } from './codes/pim.js';
import { onboardingErrors } from './codes/onboarding.js';
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
  ...productErrors,
  ...bulkErrors,
  ...webhookErrors,
  ...pimErrors,
  ...onboardingErrors,
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export const errorDomains: Record<string, Record<string, ErrorDefinition>> = {
  'Request and validation': requestErrors,
  'Partner authentication': authErrors,
  'Stock and warehouses': warehouseErrors,
  Products: productErrors,
  'Bulk pipeline, inventory and batches': bulkErrors,
  Webhooks: webhookErrors,
  'PIM API': pimErrors,
  'Onboarding and reference data': onboardingErrors,
};
