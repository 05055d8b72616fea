import type { ErrorDefinitions } from '../types.js';

/** Codes of this domain; each code is defined once in the whole catalogue. */
export const productErrors = {
} satisfies ErrorDefinitions;
