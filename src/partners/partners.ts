import type { Queryable } from '../db/database.js';
import { newPartnerClientId, newPartnerSecret } from '../auth/identifiers.js';
import { seal } from '../auth/secret-box.js';

export interface CreatedPartner {
  partnerId: string;
  partnerClientId: string;
  /** Shown once at creation; only its ciphertext is kept. */
  partnerSecret: string;
}

export async function createPartner(
  sql: Queryable, key: Buffer,
  input: { name: string; webhookUrl?: string; clientId?: string; secret?: string },
): Promise<CreatedPartner> {
  const partnerClientId = input.clientId ?? newPartnerClientId();
  const partnerSecret = input.secret ?? newPartnerSecret();
  const [row] = await sql<{ id: string }[]>`
    insert into partners (client_id, name, secret_ciphertext, webhook_url)
    values (${partnerClientId}, ${input.name}, ${seal(partnerSecret, key)}, ${input.webhookUrl ?? null})
    returning id`;
  return { partnerId: row.id, partnerClientId, partnerSecret };
}

export async function findPartnerByClientId(sql: Queryable, clientId: string) {
  const [row] = await sql<{ id: string; client_id: string; name: string; status: string }[]>`
    select id, client_id, name, status from partners where client_id = ${clientId}`;
  return row;
}
