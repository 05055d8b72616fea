import type { Transaction } from '../db/database.js';
import { ENDPOINT_DISABLED_EVENT_TYPE } from './event-types.js';
import { emitEvents } from './outbox.js';

/**
 * Omni disables an endpoint itself (disabled_by 'system', migration 0105) when its receiver says
 * it is gone or has not taken a delivery for long: Standard Webhooks asks a sender to disable an
 * endpoint answering 410 Gone, and recommends disabling one whose deliveries fail consistently
 * over a long time (Svix: 5 days; Stripe: several days). Without it, a receiver taken down for
 * good was sent every event, each retried WEBHOOK_MAX_ATTEMPTS times, for ever.
 *
 * The state is one timestamp on the endpoint, failing_since: the first failed attempt since the
 * last success. Any success clears it; a failure when it is WEBHOOK_DISABLE_AFTER_FAILING_HOURS
 * old disables the endpoint. Nothing polls: the attempt that fails past the period disables it,
 * so an endpoint with no events is left as it is until it has one.
 *
 * The partner is told by a webhook.endpoint.disabled event, written with the disabling: its list
 * of endpoints says so too, but nobody reads a list to learn that something stopped (Standard
 * Webhooks asks the sender to tell the owner; Svix sends endpoint.disabled to its other endpoints).
 */

/** Why Omni disabled an endpoint: answered 410 Gone, or failing for the whole period. */
export type SystemDisableReason = 'gone' | 'failing';

/** What an attempt's answer was, as the endpoint's state reads it. */
export interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  /** Why it failed, as its delivery records it (e.g. "HTTP 500"); null for a success. */
  error: string | null;
  /** When it was sent (the attempt's attempted_at). */
  at: Date;
}

/**
 * The endpoint an attempt was sent to, as read before it was sent. `enabledAt` (its enabled_at,
 * migration 0107, as text: a Date keeps milliseconds, the column microseconds, and it is compared
 * for equality) says which enabling of the endpoint the attempt was sent under.
 * The attempt changes the endpoint's health only if it has not been enabled again since: an
 * attempt in flight at a re-enable (up to WEBHOOK_TIMEOUT_MS) is answered after it, and its 410
 * or failure must not undo the re-enable (disable it again, or start the streak the re-enable
 * forgot), nor its success end the streak of attempts sent after it. Equality with the value read,
 * not a comparison of the attempt's time with the re-enable's: the worker's clock is not the
 * database's, and what an attempt belongs to is the endpoint it read (its URL among it), not the
 * moment its request left.
 */
export interface AttemptedEndpoint {
  partnerId: string; id: string; enabledAt: string;
  /**
   * The URL the attempt went to: an answer of the old URL's, in flight when the partner gave a new
   * one, is the old receiver's, not the new one's (its 410 disabled the endpoint at the new URL,
   * never called, and told the partner so; its failure started the new URL's streak; QA).
   */
  url: string;
}

/**
 * The condition, on webhook_endpoints, that the endpoint is enabled as it was when the attempt was
 * sent, at the URL it was sent to. The value goes as text (`::text` first): a parameter PostgreSQL types timestamptz,
 * postgres.js sends through a JS Date, its microseconds dropped, and it would equal nothing.
 */
const enabledAsSent = (tx: Transaction, endpoint: AttemptedEndpoint) =>
  tx`partner_id = ${endpoint.partnerId} and id = ${endpoint.id} and enabled and enabled_at = ${endpoint.enabledAt}::text::timestamptz
    and url = ${endpoint.url}`;

/** How an attempt disabled its endpoint: why, and since when its attempts had failed. */
export interface EndpointDisabled { reason: SystemDisableReason; failingSince: Date }

const HOUR_MS = 3600_000;

/**
 * Whether an attempt may change its endpoint's state, judged on the endpoint as read before the
 * attempt. The usual attempts (a success after a success, a failure in a streak not yet
 * `disableAfterHours` old) change nothing: they send no statement, and take no lock on the
 * endpoint's row, which every delivery to the endpoint would otherwise queue on. deliver.ts asks
 * it of a failure only: a success ends a streak in its delivery's own statement
 * (endStreakOfRecorded), on the endpoint as it is then, not as read before the request.
 */
export function mayChangeEndpoint(outcome: AttemptOutcome, failingSince: Date | null, disableAfterHours: number): boolean {
  if (outcome.ok) return failingSince !== null;
  if (outcome.statusCode === 410 || failingSince === null) return true;
  return failingSince.getTime() <= outcome.at.getTime() - disableAfterHours * HOUR_MS;
}

/**
 * The statement, for a CTE beside a successful attempt's `recorded` (its delivery's update,
 * deliver.ts), that ends its endpoint's failing streak if it has one and is enabled as the attempt
 * was sent (AttemptedEndpoint): only once the attempt is recorded, and without a lock on the
 * endpoint unless there is a streak to end. Read before the request (mayChangeEndpoint), the
 * streak that another delivery's failure started while this one was in flight was left standing,
 * a success after its start forgotten.
 */
export function endStreakOfRecorded(tx: Transaction, endpoint: AttemptedEndpoint) {
  return tx`update webhook_endpoints set failing_since = null
    where ${enabledAsSent(tx, endpoint)} and failing_since is not null and exists (select from recorded)`;
}

/**
 * Records an attempt's outcome on its endpoint, if it is enabled as the attempt was sent
 * (AttemptedEndpoint), in the attempt's transaction, in one statement: a success ends a failing
 * streak, a failure starts one (or goes on with it), and a 410 Gone, or a failure when the streak
 * is `disableAfterHours` old, disables the endpoint. The row is locked and read again first
 * (`current`), so an attempt judges on what another one has just recorded, and only one attempt
 * disables it. One that does also writes the partner's webhook.endpoint.disabled event, in the
 * same transaction: the event exists if and only if the disabling was committed. Returns how this
 * attempt disabled the endpoint, if it did.
 */
export async function recordEndpointOutcome(tx: Transaction, endpoint: AttemptedEndpoint, outcome: AttemptOutcome,
  disableAfterHours: number): Promise<EndpointDisabled | undefined> {
  const [row] = await tx<{ disabled_reason: SystemDisableReason | null; failing_since: Date | null; url: string; disabled_at: Date | null }[]>`
    with current as (
      select partner_id, id, case
          when ${outcome.ok} then null
          when ${outcome.statusCode === 410} then 'gone'
          when failing_since <= ${outcome.at}::timestamptz - make_interval(hours => ${disableAfterHours}) then 'failing'
        end as reason
      from webhook_endpoints
      where ${enabledAsSent(tx, endpoint)}
      for no key update
    )
    update webhook_endpoints e set
      failing_since = case when ${outcome.ok} then null else coalesce(e.failing_since, ${outcome.at}) end,
      enabled = c.reason is null,
      disabled_by = case when c.reason is null then e.disabled_by else 'system' end,
      disabled_reason = c.reason,
      disabled_at = case when c.reason is null then e.disabled_at else now() end
    from current c
    where e.partner_id = c.partner_id and e.id = c.id
    returning e.disabled_reason, e.failing_since, e.url, e.disabled_at`;
  if (!row?.disabled_reason) return undefined;
  const disabled = { reason: row.disabled_reason, failingSince: row.failing_since! };
  await emitEvents(tx, [{
    partnerId: endpoint.partnerId, storeId: null, type: ENDPOINT_DISABLED_EVENT_TYPE,
    payload: endpointDisabledPayload(endpoint.id, row.url, disabled, row.disabled_at!, outcome),
  }]);
  return disabled;
}

/**
 * The data of a webhook.endpoint.disabled event: which endpoint (its URL too: a partner may not
 * know its ids by heart), why, since when its attempts had failed, and the answer of the attempt
 * that disabled it (a status code, or null and the error for one without an answer).
 */
function endpointDisabledPayload(endpointId: string, url: string, disabled: EndpointDisabled, disabledAt: Date, outcome: AttemptOutcome) {
  return {
    endpointId, url, reason: disabled.reason, failingSince: disabled.failingSince.toISOString(), disabledAt: disabledAt.toISOString(),
    lastStatusCode: outcome.statusCode, lastError: outcome.error,
  };
}

/** The log line of an endpoint Omni disabled. */
export function disabledMessage(endpointId: string, disabled: EndpointDisabled, disableAfterHours: number): string {
  return disabled.reason === 'gone'
    ? `webhook endpoint ${endpointId} disabled: its receiver answered 410 Gone`
    : `webhook endpoint ${endpointId} disabled: its attempts have failed since ${disabled.failingSince.toISOString()} without a success `
      + `(WEBHOOK_DISABLE_AFTER_FAILING_HOURS ${disableAfterHours})`;
}

/**
 * Records an attempt of the endpoint that was slow (slow_since: since when, kept; last_slow_at:
 * now) or quick (both cleared), on the endpoint as the attempt was sent under (enabledAsSent): the
 * partner's deliveries run in its queue while one of its endpoints was slow lately (deliver.ts).
 */
export async function recordAnswerSpeed(tx: Transaction, endpoint: AttemptedEndpoint, slow: boolean) {
  // At the URL the attempt went to (enabledAsSent): an answer of the old URL's, in flight when the
  // partner gave a new one, marked the new one slow again (review).
  await tx`update webhook_endpoints set ${slow ? tx`slow_since = coalesce(slow_since, now()), last_slow_at = now()` : tx`slow_since = null, last_slow_at = null`}
    where ${enabledAsSent(tx, endpoint)}`;
}
