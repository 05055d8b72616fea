export { signRequest, computeSignature, buildBaseString, canonicalPath, sha256Hex, type SigningParts, type SignRequestInput } from './signing.js';
export { PartnerClient, type PartnerClientOptions, type PartnerCredentials, type PartnerResponse } from './client.js';
export { PartnerApiError, PartnerBatchTimeoutError, PartnerNetworkError, PartnerTimeoutError, type ErrorEnvelope } from './errors.js';
export { partnerOperations, type PartnerOperations } from './operations.js';
export { decryptField, decryptJsonField } from './decrypt-field.js';
export { verifyWebhook, PartnerWebhookVerificationError, type OmniWebhookEvent } from './webhooks.js';
