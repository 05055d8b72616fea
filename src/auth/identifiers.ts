import { createHash, randomBytes } from 'node:crypto';

/** Public ids and secrets. Partners must treat all of them as opaque strings. */
const token = (prefix: string, bytes: number) => `${prefix}_${randomBytes(bytes).toString('base64url')}`;

export const newPartnerClientId = () => token('ptnr', 9);
export const newPartnerSecret = () => token('psk', 32);
export const newStoreClientId = () => token('str', 9);
export const newStoreToken = () => token('stkn', 24);
export const newWarehouseClientId = () => token('wh', 9);

export const hashToken = (value: string): Buffer => createHash('sha256').update(value).digest();
/** Enough of a token for an operator to tell tokens apart in listings, never enough to use it. */
export const tokenHint = (value: string) => `${value.slice(0, 9)}…`;
