export { signRequest, computeSignature, buildBaseString, canonicalPath, sha256Hex, type SigningParts, type SignRequestInput } from './signing.js';
export { PartnerClient, type ErrorEnvelope, type PartnerCredentials, type PartnerResponse } from './client.js';
export { decryptField, decryptJsonField } from './decrypt-field.js';
