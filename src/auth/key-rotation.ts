import type { Sql } from '../db/database.js';
import { keyCheckValue } from './encryption-key-check.js';
import { open, seal } from './secret-box.js';

/** What a rotation sealed again under the new key, by kind of secret. */
export interface Resealed { partnerSecrets: number; partnerKeys: number; webhookSecrets: number; previousWebhookSecrets: number }

/**
 * Seals every secret kept at rest again under `newKey` (OMNI_ENCRYPTION_KEY's successor), in one
 * transaction with the database's key check value (migration 0128): a rotation that fails half-way
 * leaves every secret and the check value as they were, under the old key. The secrets: partners'
 * HMAC secrets and their keys for `ENCRYPTED:` fields, webhook endpoints' signing secrets and the
 * rolled ones still signing beside them. Their plaintexts do not change, so partners notice
 * nothing. The tables are locked against writers until commit (a partner created, a webhook
 * secret rolled meanwhile would be sealed under the old key after the rotation read the rest);
 * reads go on. A process still running with the old key then fails to open the secrets: every
 * process must be restarted with the new key (README, Operations).
 *
 * Secrets are opened and sealed in this process (AES-GCM: PostgreSQL has no such function
 * without pgcrypto) and written back set-based, one statement a table.
 */
export async function rotateEncryptionKey(sql: Sql, oldKey: Buffer, newKey: Buffer): Promise<Resealed> {
  return sql.begin(async (tx) => {
    await tx`lock table partners, webhook_endpoints, encryption_key_check in share row exclusive mode`;
    // Two rotations at once: the second waits for the first's lock, then finds the key it was
    // given replaced (QA: it went on, failed half-way, and the data folder's file was left with
    // its key while the secrets were sealed under the first's).
    const [recorded] = await tx<{ check_value: string }[]>`select check_value from encryption_key_check`;
    if (recorded && recorded.check_value !== keyCheckValue(oldKey)) {
      throw new Error('the key in use changed while this command waited (another rotation ran): nothing was changed; run it again with the new key');
    }
    const partners = await tx<{ id: string; secret_ciphertext: string; encryption_key_ciphertext: string | null }[]>`
      select id, secret_ciphertext, encryption_key_ciphertext from partners`;
    const reseal = (sealed: string) => seal(open(sealed, oldKey), newKey);
    const partnerRows = partners.map((p) => ({
      id: p.id, secret: reseal(p.secret_ciphertext), key: p.encryption_key_ciphertext === null ? null : reseal(p.encryption_key_ciphertext),
    }));
    if (partnerRows.length > 0) {
      await tx`
        update partners p set secret_ciphertext = u.secret, encryption_key_ciphertext = u.key
        from json_to_recordset(${tx.json(partnerRows as any)}::json) as u (id uuid, secret text, key text)
        where p.id = u.id`;
    }
    const endpoints = await tx<{ partner_id: string; id: string; secret_ciphertext: string; previous_secrets: { ciphertext: string; expiresAt: string }[] }[]>`
      select partner_id, id, secret_ciphertext, previous_secrets from webhook_endpoints`;
    const endpointRows = endpoints.map((e) => ({
      partner_id: e.partner_id, id: e.id, secret: reseal(e.secret_ciphertext),
      previous: e.previous_secrets.map((p) => ({ ...p, ciphertext: reseal(p.ciphertext) })),
    }));
    if (endpointRows.length > 0) {
      await tx`
        update webhook_endpoints e set secret_ciphertext = u.secret, previous_secrets = u.previous
        from json_to_recordset(${tx.json(endpointRows as any)}::json) as u (partner_id uuid, id text, secret text, previous jsonb)
        where e.partner_id = u.partner_id and e.id = u.id`;
    }
    await tx`
      insert into encryption_key_check (check_value) values (${keyCheckValue(newKey)})
      on conflict (only_row) do update set check_value = excluded.check_value, recorded_at = now()`;
    return {
      partnerSecrets: partnerRows.length,
      partnerKeys: partnerRows.filter((p) => p.key !== null).length,
      webhookSecrets: endpointRows.length,
      previousWebhookSecrets: endpointRows.reduce((n, e) => n + e.previous.length, 0),
    };
  });
}
