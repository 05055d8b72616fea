import { randomBytes } from 'node:crypto';
import type { PendingQuery, Row } from 'postgres';
import type { Queryable, Transaction } from '../db/database.js';
import { open, seal } from '../auth/secret-box.js';
import { AppError } from '../errors/app-error.js';
import type { SystemDisableReason } from './endpoint-health.js';

export interface WebhookEndpoint {
  id: string; url: string; eventTypes: string[]; enabled: boolean; createdAt: string;
  /** Who disabled it: its partner (DELETE: deleted; PATCH enabled false: paused), an operator, or Omni itself ('system', endpoint-health.ts); null while enabled. */
  disabledBy: 'partner' | 'paused' | 'operator' | 'system' | null;
  /** Why Omni disabled it ('system' only): answered 410 Gone, or failing for WEBHOOK_DISABLE_AFTER_FAILING_HOURS. */
  disabledReason: SystemDisableReason | null;
  /** When it was disabled (null while enabled, and for those disabled before migration 0105). */
  disabledAt: string | null;
  /** The first failed attempt since its last success; null when its last attempt succeeded. */
  failingSince: string | null;
  /** Since when its attempts (answered or timed out) were slow (over a quarter of WEBHOOK_TIMEOUT_MS); null when its last was quick. */
  slowSince: string | null;
}

const newEndpointId = () => `we_${randomBytes(9).toString('base64url')}`;
/** Standard Webhooks secrets: "whsec_" + base64 of 24 random bytes. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/**
 * Why an endpoint URL is refused (WHK_003), or undefined: the admin CLI asks this while it reads
 * its options, before it opens the database (option-values.ts, webhookUrl).
 */
export function webhookUrlProblem(url: string): string | undefined {
  // The API's schema says so first (VAL_001: maxLength); the admin CLI comes here directly.
  // In characters (code points), as the schema's maxLength counts: `.length` counted an emoji twice (limits QA).
  if ([...url].length > MAX_URL_LENGTH) return `longer than ${MAX_URL_LENGTH} characters`;
  // URL parsing drops spaces around a URL and tabs and newlines in it: stored as given, the CLI's
  // "  https://…  " was a URL the API refuses, and "https://exa<TAB>mple.com" was sent to example.com (QA).
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return 'it holds white space or a control character: percent-encode it (%20), or remove it';
  let parsed: URL;
  try { parsed = new URL(url); } catch { return 'not an absolute URL'; }
  if (!['http:', 'https:'].includes(parsed.protocol)) return `the scheme is ${parsed.protocol.slice(0, -1)}: webhooks are POSTed over http or https`;
  if (parsed.username || parsed.password) return 'it carries credentials (user:password@): the signature is how a receiver knows Omni';
  // WHATWG parsing mends an http(s) URL written otherwise (http:///h/p, http:/h/p, http:\\h\p) into
  // http://h/p: stored as given, it was listed as sent and delivered to another (QA; RFC 9110 4.2.1:
  // an empty host is invalid).
  // The authority as written: a host, no empty user part (https://@host) or empty port (host:/p), which parsing drops too (review).
  const authority = /^https?:\/\/([^/?#]*)/i.exec(url)?.[1] ?? '';
  if (!/^[^/\\?#@:]/.test(authority) || authority.includes('@') || authority.endsWith(':') || url.includes('\\')) {
    return 'it is not written http(s)://host/…: the host follows the two slashes, and no backslash';
  }
  return undefined;
}

function checkUrl(url: string) {
  const reason = webhookUrlProblem(url);
  if (reason) throw new AppError('WHK_003', { url, reason });
}

/** The longest endpoint URL (the API's schema: maxLength). */
export const MAX_URL_LENGTH = 2048;

/**
 * What view reads, named (not `*`): a statement prepared with `*` fails once a column is added
 * under it, "cached plan must not change result type", in a transaction (review).
 */
const ENDPOINT_COLUMNS = (sql: Queryable) => sql`id, url, event_types, enabled, created_at, disabled_by, disabled_reason, disabled_at, failing_since, slow_since`;

const view = (r: any): WebhookEndpoint => ({
  id: r.id, url: r.url, eventTypes: r.event_types, enabled: r.enabled, createdAt: r.created_at.toISOString(),
  disabledBy: r.disabled_by, disabledReason: r.disabled_reason, disabledAt: r.disabled_at?.toISOString() ?? null,
  failingSince: r.failing_since?.toISOString() ?? null, slowSince: r.slow_since?.toISOString() ?? null,
});

/**
 * The columns of an endpoint enabled again: who disabled it and why are forgotten, and so are its
 * failing streak, which the disabling ended, and its slow answers; enabled_at is now, so that the attempts sent before
 * (in flight now) no longer change its health (endpoint-health.ts, AttemptedEndpoint). One
 * already enabled keeps its streak (unless `sameUrl`, the row's URL compared to the one it
 * gets, is false: a new receiver) and its enabled_at.
 */
const enabledAgain = (sql: Queryable, sameUrl?: PendingQuery<Row[]>) => sql`enabled = true, disabled_by = null, disabled_reason = null, disabled_at = null,
  ${healthKeptWhile(sql, sameUrl ? sql`enabled and ${sameUrl}` : sql`enabled`)}, enabled_at = case when enabled then enabled_at else now() end`;

/** The endpoint's failing streak and slow answers, kept only while `kept` holds of the row as it was. */
const healthKeptWhile = (sql: Queryable, kept: PendingQuery<Row[]>) => sql`failing_since = case when ${kept} then failing_since end,
  slow_since = case when ${kept} then slow_since end, last_slow_at = case when ${kept} then last_slow_at end`;

/**
 * Endpoints a partner may have at once (enabled, paused, or disabled by Omni or an operator: all but
 * the deleted), as Stripe allows 16 an account: each event is written once an endpoint that
 * subscribes to it, so a partner registering endpoints in a loop would multiply every batch's writes.
 */
export const MAX_ENDPOINTS_PER_PARTNER = 16;

/**
 * Registers an endpoint; the signing secret is returned here once and stored sealed. WHK_007 when
 * the partner has MAX_ENDPOINTS_PER_PARTNER already: counted under a lock of the partner's row, so
 * that registrations sent at once cannot pass the limit together.
 */
export async function createWebhookEndpoint(sql: Queryable, key: Buffer, partnerId: string, input: { url: string; eventTypes?: string[] }) {
  checkUrl(input.url);
  const secret = newSecret();
  const register = async (tx: Transaction) => {
    await tx`select 1 from partners where id = ${partnerId} for no key update`;
    const [{ n }] = await tx<{ n: number }[]>`select count(*)::int as n from webhook_endpoints
      where partner_id = ${partnerId} and disabled_by is distinct from 'partner'`;
    if (n >= MAX_ENDPOINTS_PER_PARTNER) throw new AppError('WHK_007', { limit: MAX_ENDPOINTS_PER_PARTNER, endpoints: n });
    const [row] = await tx`
      insert into webhook_endpoints (partner_id, id, url, secret_ciphertext, event_types)
      values (${partnerId}, ${newEndpointId()}, ${input.url}, ${seal(secret, key)}, ${input.eventTypes ?? []})
      returning ${ENDPOINT_COLUMNS(tx)}`;
    return { ...view(row), secret };
  };
  // A caller's transaction (the admin CLI's partner create) holds the lock until it ends.
  return 'begin' in sql ? sql.begin(register) : register(sql);
}

/**
 * Which of a partner's endpoints a list shows: the enabled ones; those its partner has not
 * deleted (the partner's own list: an endpoint Omni or an operator disabled shows, with who and
 * why, so that the partner learns it and can act); or all of them (operators, `--all`).
 */
export type EndpointListScope = 'enabled' | 'not-deleted' | 'all';

/** A partner's endpoints in `scope`, oldest first. */
export async function listWebhookEndpoints(sql: Queryable, partnerId: string, scope: EndpointListScope): Promise<WebhookEndpoint[]> {
  const shown = { enabled: sql`and enabled`, 'not-deleted': sql`and disabled_by is distinct from 'partner'`, all: sql`` }[scope];
  const rows = await sql`select ${ENDPOINT_COLUMNS(sql)} from webhook_endpoints where partner_id = ${partnerId} ${shown} order by created_at`;
  return rows.map(view);
}

/** One endpoint of the partner, as the list shows it; WHK_001 for an unknown or deleted one, or another partner's. */
export async function getWebhookEndpoint(sql: Queryable, partnerId: string, id: string): Promise<WebhookEndpoint> {
  const [row] = await sql`select ${ENDPOINT_COLUMNS(sql)} from webhook_endpoints
    where partner_id = ${partnerId} and id = ${id} and disabled_by is distinct from 'partner'`;
  if (!row) throw new AppError('WHK_001', { endpointId: id });
  return view(row);
}

/**
 * Deletes (disables) an endpoint for its partner: its past deliveries stay readable, no new ones
 * are made. One Omni or an operator disabled can be deleted too; deleted, neither an operator nor
 * the partner enables it again.
 */
export async function disableWebhookEndpoint(sql: Queryable, partnerId: string, id: string) {
  const [row] = await sql`
    update webhook_endpoints set enabled = false, disabled_by = 'partner', disabled_reason = null, disabled_at = now()
    where partner_id = ${partnerId} and id = ${id} and disabled_by is distinct from 'partner' returning ${ENDPOINT_COLUMNS(sql)}`;
  if (!row) throw new AppError('WHK_001', { endpointId: id });
  return view(row);
}

/**
 * Changes an endpoint's URL, its event types, or both; the secret stays. Events written from then
 * on are matched against the new types, and every attempt from then on (retries of earlier
 * deliveries too) goes to the new URL. `enabled: true` enables again an endpoint Omni disabled
 * (a 410 Gone, or failing too long), its failing streak forgotten (the partner fixed its
 * receiver), or resumes one the partner paused; `enabled: false` pauses it, as Stripe's update
 * takes `disabled: true` (disabled_by 'paused', migration 0131): no deliveries until it
 * is enabled again, as for one Omni disabled. One Omni disabled becomes paused too (its reason goes):
 * the partner said to stop, so an operator's `enable` no longer resumes it (review). The endpoint is one the partner has not deleted
 * (WHK_001) and an operator has not disabled (WHK_006: only an operator enables it again).
 */
export async function updateWebhookEndpoint(sql: Queryable, partnerId: string, id: string,
  input: { url?: string; eventTypes?: string[]; enabled?: boolean }) {
  if (input.url !== undefined) checkUrl(input.url);
  // A new URL is a new receiver: how slow the old one was says nothing of it (review), nor how long
  // it had failed (a receiver moved after days of outage was disabled at its first failure; QA).
  // Enabled again, it starts afresh too (enabledAgain); both at once, each column is set once
  // (it was set twice: a PATCH of a new url with enabled true, as docs/webhooks.md advises, was a 500).
  const sameUrl = input.url === undefined ? undefined : sql`url = ${input.url}`;
  const state = input.enabled === true
    ? sql`, ${enabledAgain(sql, sameUrl)}`
    : sql`${input.enabled === false ? sql`, enabled = false, disabled_by = 'paused', disabled_reason = null,
        disabled_at = case when disabled_by is distinct from 'paused' then now() else disabled_at end` : sql``}
      ${sameUrl ? sql`, ${healthKeptWhile(sql, sameUrl)}` : sql``}`;
  const [row] = await sql`
    update webhook_endpoints set
      url = ${input.url === undefined ? sql`url` : sql`${input.url}`},
      event_types = ${input.eventTypes === undefined ? sql`event_types` : sql`${input.eventTypes}::text[]`}
      ${state}
    where partner_id = ${partnerId} and id = ${id} and (enabled or disabled_by in ('system', 'paused'))
    returning ${ENDPOINT_COLUMNS(sql)}`;
  if (row) return view(row);
  const [other] = await sql`select disabled_by from webhook_endpoints where partner_id = ${partnerId} and id = ${id}`;
  if (other?.disabled_by === 'operator') throw new AppError('WHK_006', { endpointId: id });
  throw new AppError('WHK_001', { endpointId: id });
}

/**
 * Rolls an endpoint's signing secret, enabled or disabled (not deleted: a partner whose secret
 * leaked rolls it before enabling the endpoint again): a new one is returned (once, as at creation), and
 * the old one signs beside it for `keepPreviousHours` (0: stops at once), so a receiver that
 * still holds the old secret verifies every delivery until it has the new one.
 */
export async function rotateWebhookSecret(sql: Queryable, key: Buffer, partnerId: string, id: string, keepPreviousHours: number) {
  const secret = newSecret();
  // The secret rolled now joins those rolled before whose grace lasts: the latest MAX_PREVIOUS_SECRETS
  // rolled, newest first (the array's order), whatever their graces; by the latest expiry, the secret
  // just replaced with a shorter grace than older ones was dropped at once, its promised hours unkept.
  // 0 hours ends them all with it (a leaked secret: only the new one signs from now on).
  const [row] = await sql`
    update webhook_endpoints set
      previous_secrets = case when ${keepPreviousHours}::int = 0 then '[]'::jsonb else (
        select coalesce(jsonb_agg(p order by n), '[]') from (
          select p, n from (
            select jsonb_build_object('ciphertext', secret_ciphertext, 'expiresAt', now() + make_interval(hours => ${keepPreviousHours}::int)) p, 0::bigint n
            union all
            select p, n from jsonb_array_elements(previous_secrets) with ordinality e(p, n) where (p->>'expiresAt')::timestamptz > now()
          ) all_kept order by n limit ${MAX_PREVIOUS_SECRETS}) kept) end,
      secret_ciphertext = ${seal(secret, key)}
    where partner_id = ${partnerId} and id = ${id} and disabled_by is distinct from 'partner'
    returning ${ENDPOINT_COLUMNS(sql)}, now() + make_interval(hours => ${keepPreviousHours}::int) as rolled_until`;
  if (!row) throw new AppError('WHK_001', { endpointId: id });
  const { rolled_until: rolledUntil, ...endpoint } = row;
  return { ...view(endpoint), secret, previousSecretExpiresAt: keepPreviousHours > 0 ? rolledUntil.toISOString() : null };
}

/** Rolled secrets that sign beside the current one at most (each a signature in every delivery's header). */
export const MAX_PREVIOUS_SECRETS = 4;

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
 * from then on, its failing streak forgotten. An operator disables one Omni disabled too, so that
 * its partner cannot enable it again, and one its partner paused; an operator enables one an
 * operator or Omni disabled; one its partner deleted is not enabled again (`deletedByPartner`): the
 * partner registers a new one; nor one its partner paused (`pausedByPartner`): the partner resumes
 * it. Undefined when no endpoint has this id.
 */
export async function setWebhookEndpointEnabled(sql: Queryable, id: string, enabled: boolean) {
  const [changed] = enabled
    ? await sql`update webhook_endpoints e set ${enabledAgain(sql)} from partners p
        where e.id = ${id} and p.id = e.partner_id and not e.enabled and e.disabled_by in ('operator', 'system')
        returning e.*, p.client_id as partner_client_id`
    // One Omni disabled becomes the operator's: its partner may then no longer enable it (WHK_006).
    : await sql`update webhook_endpoints e set enabled = false, disabled_by = 'operator', disabled_reason = null, disabled_at = now() from partners p
        where e.id = ${id} and p.id = e.partner_id and (e.enabled or e.disabled_by in ('system', 'paused'))
        returning e.*, p.client_id as partner_client_id`;
  // Nothing to change (already so, or deleted by its partner): the endpoint as it is.
  const [row] = changed ? [changed]
    : await sql`select e.*, p.client_id as partner_client_id from webhook_endpoints e join partners p on p.id = e.partner_id where e.id = ${id}`;
  if (!row) return undefined;
  return { ...view(row), partnerClientId: row.partner_client_id as string, deletedByPartner: row.disabled_by === 'partner', pausedByPartner: row.disabled_by === 'paused' };
}
