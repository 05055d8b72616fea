import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { newPartnerClientId, newPartnerSecret } from '../auth/identifiers.js';
import { open, seal } from '../auth/secret-box.js';

export interface CreatedPartner {
  partnerId: string;
  partnerClientId: string;
  /** Shown once at creation; only its ciphertext is kept. */
  partnerSecret: string;
  /** 32 bytes, base64: decrypts ENCRYPTED: fields (onboarding store access). Shown once. */
  partnerEncryptionKey: string;
}

export async function createPartner(
  sql: Queryable, key: Buffer,
  input: { name: string; webhookUrl?: string; clientId?: string; secret?: string },
): Promise<CreatedPartner> {
  const partnerClientId = input.clientId ?? newPartnerClientId();
  const partnerSecret = input.secret ?? newPartnerSecret();
  const partnerEncryptionKey = randomBytes(32).toString('base64');
  const [row] = await sql<{ id: string }[]>`
    insert into partners (client_id, name, secret_ciphertext, webhook_url, encryption_key_ciphertext)
    values (${partnerClientId}, ${input.name}, ${seal(partnerSecret, key)}, ${input.webhookUrl ?? null}, ${seal(partnerEncryptionKey, key)})
    returning id`;
  return { partnerId: row.id, partnerClientId, partnerSecret, partnerEncryptionKey };
}

export async function findPartnerByClientId(sql: Queryable, clientId: string) {
  const [row] = await sql<{ id: string; client_id: string; name: string; status: string }[]>`
    select id, client_id, name, status from partners where client_id = ${clientId}`;
  return row;
}

/**
 * An operator stops (DISABLED) or restores (ACTIVE) a partner's access to the Partner API: every
 * signed request of a disabled partner is AUTH_005, on every store it operates, at once. Its
 * stores, tokens, webhook endpoints and batches stay as they are.
 */
export async function setPartnerStatus(sql: Queryable, clientId: string, status: 'ACTIVE' | 'DISABLED') {
  const [row] = await sql<{ partnerClientId: string; name: string; status: string }[]>`
    update partners set status = ${status} where client_id = ${clientId}
    returning client_id as "partnerClientId", name, status`;
  if (!row) throw new Error(`no partner with client id ${clientId}`);
  return row;
}

/** Every partner, oldest first, with how many stores it operates (never a secret): `omni admin partner list`. */
export async function listPartners(sql: Queryable) {
  return sql<{ partnerClientId: string; name: string; status: string; storeCount: number; createdAt: Date }[]>`
    select p.client_id as "partnerClientId", p.name, p.status,
      (select count(*) from stores s where s.partner_id = p.id)::int as "storeCount", p.created_at as "createdAt"
    from partners p order by p.created_at, p.id`;
}

/** The partner's key for ENCRYPTED: fields (partners created before it existed get one now). */
export async function partnerEncryptionKey(sql: Queryable, key: Buffer, partnerId: string): Promise<Buffer> {
  const [row] = await sql<{ encryption_key_ciphertext: string | null }[]>`select encryption_key_ciphertext from partners where id = ${partnerId}`;
  if (row?.encryption_key_ciphertext) return Buffer.from(open(row.encryption_key_ciphertext, key), 'base64');
  const fresh = randomBytes(32).toString('base64');
  await sql`update partners set encryption_key_ciphertext = ${seal(fresh, key)} where id = ${partnerId} and encryption_key_ciphertext is null`;
  return partnerEncryptionKey(sql, key, partnerId);
}
