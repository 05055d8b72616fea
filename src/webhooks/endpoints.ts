import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { open, seal } from '../auth/secret-box.js';
import { AppError } from '../errors/app-error.js';

export interface WebhookEndpoint { id: string; url: string; eventTypes: string[]; enabled: boolean; createdAt: string }

const newEndpointId = () => `we_${randomBytes(9).toString('base64url')}`;
/** Standard Webhooks secrets: "whsec_" + base64 of 24 random bytes. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

function checkUrl(url: string) {
  let parsed: URL;
  try { parsed = new URL(url); } catch { throw new AppError('WHK_003', { url }); }
  if (!['http:', 'https:'].includes(parsed.protocol) || parsed.username || parsed.password) throw new AppError('WHK_003', { url });
}

const view = (r: any): WebhookEndpoint => ({ id: r.id, url: r.url, eventTypes: r.event_types, enabled: r.enabled, createdAt: r.created_at.toISOString() });

/** Registers an endpoint; the signing secret is returned here once and stored sealed. */
export async function createWebhookEndpoint(sql: Queryable, key: Buffer, partnerId: string, input: { url: string; eventTypes?: string[] }) {
  checkUrl(input.url);
  const secret = newSecret();
  const [row] = await sql`
    insert into webhook_endpoints (partner_id, id, url, secret_ciphertext, event_types)
    values (${partnerId}, ${newEndpointId()}, ${input.url}, ${seal(secret, key)}, ${input.eventTypes ?? []})
    returning *`;
  return { ...view(row), secret };
}

/** A partner's enabled endpoints, oldest first; the disabled ones too when asked (operators, to enable one again). */
export async function listWebhookEndpoints(sql: Queryable, partnerId: string, opts: { includeDisabled?: boolean } = {}): Promise<WebhookEndpoint[]> {
  const rows = await sql`select * from webhook_endpoints where partner_id = ${partnerId} ${opts.includeDisabled ? sql`` : sql`and enabled`} order by created_at`;
  return rows.map(view);
}

/** Disables an endpoint: its past deliveries stay readable, no new ones are made. */
export async function disableWebhookEndpoint(sql: Queryable, partnerId: string, id: string) {
  const [row] = await sql`update webhook_endpoints set enabled = false, disabled_by = 'partner' where partner_id = ${partnerId} and id = ${id} and enabled returning *`;
  if (!row) throw new AppError('WHK_001', { endpointId: id });
  return view(row);
}

/**
 * Changes an enabled endpoint's URL, its event types, or both; the secret stays. Events written
 * from then on are matched against the new types, and every attempt from then on (retries of
 * earlier deliveries too) goes to the new URL.
 */
export async function updateWebhookEndpoint(sql: Queryable, partnerId: string, id: string, input: { url?: string; eventTypes?: string[] }) {
  if (input.url !== undefined) checkUrl(input.url);
  const [row] = await sql`
    update webhook_endpoints set
      url = ${input.url === undefined ? sql`url` : sql`${input.url}`},
      event_types = ${input.eventTypes === undefined ? sql`event_types` : sql`${input.eventTypes}::text[]`}
    where partner_id = ${partnerId} and id = ${id} and enabled
    returning *`;
  if (!row) throw new AppError('WHK_001', { endpointId: id });
  return view(row);
}

/**
 * Rolls an enabled endpoint's signing secret: a new one is returned (once, as at creation), and
 * the old one signs beside it for `keepPreviousHours` (0: stops at once), so a receiver that
 * still holds the old secret verifies every delivery until it has the new one.
 */
export async function rotateWebhookSecret(sql: Queryable, key: Buffer, partnerId: string, id: string, keepPreviousHours: number) {
  const secret = newSecret();
  const [row] = await sql`
    update webhook_endpoints set
      previous_secret_ciphertext = case when ${keepPreviousHours}::int > 0 then secret_ciphertext end,
      previous_secret_expires_at = case when ${keepPreviousHours}::int > 0 then now() + make_interval(hours => ${keepPreviousHours}::int) end,
      secret_ciphertext = ${seal(secret, key)}
    where partner_id = ${partnerId} and id = ${id} and enabled
    returning *`;
  if (!row) throw new AppError('WHK_001', { endpointId: id });
  return { ...view(row), secret, previousSecretExpiresAt: row.previous_secret_expires_at?.toISOString() ?? null };
}

/** Whether the partner has (or had: a disabled one keeps its history) an endpoint with this id. */
export async function ownsEndpoint(sql: Queryable, partnerId: string, id: string) {
  const [row] = await sql`select 1 from webhook_endpoints where partner_id = ${partnerId} and id = ${id}`;
  return row !== undefined;
}

/** WHK_001 unless the partner has (or had) an endpoint with this id (ownsEndpoint). */
export async function assertOwnEndpoint(sql: Queryable, partnerId: string, id: string) {
  if (!(await ownsEndpoint(sql, partnerId, id))) throw new AppError('WHK_001', { endpointId: id });
}

export function endpointSecret(sealed: string, key: Buffer) {
  return open(sealed, key);
}

/**
 * An operator stops (or resumes) deliveries to an endpoint, by its id alone (unique across
 * partners). Disabled, it gets no new deliveries and each scheduled retry ends EXHAUSTED
 * ("endpoint disabled") when it comes due (deliver.ts); enabled again, it gets the events written
 * from then on. An endpoint its partner deleted is not enabled again (`deletedByPartner`): the
 * partner registers a new one. Undefined when no endpoint has this id.
 */
export async function setWebhookEndpointEnabled(sql: Queryable, id: string, enabled: boolean) {
  const [row] = await sql`
    update webhook_endpoints e set
      enabled = case when ${enabled} and e.disabled_by = 'partner' then e.enabled else ${enabled} end,
      disabled_by = case when ${enabled} then (case when e.disabled_by = 'partner' then e.disabled_by end)
                         when e.enabled then 'operator' else e.disabled_by end
    from partners p
    where e.id = ${id} and p.id = e.partner_id returning e.*, p.client_id as partner_client_id`;
  if (!row) return undefined;
  return { ...view(row), partnerClientId: row.partner_client_id as string, deletedByPartner: row.disabled_by === 'partner' };
}
