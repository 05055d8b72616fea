import type { Transaction } from '../db/database.js';

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
 */

/** Why Omni disabled an endpoint: answered 410 Gone, or failing for the whole period. */
export type SystemDisableReason = 'gone' | 'failing';

/** What an attempt's answer was, as the endpoint's state reads it. */
export interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  /** When it was sent (the attempt's attempted_at). */
  at: Date;
}

/** How an attempt disabled its endpoint: why, and since when its attempts had failed. */
export interface EndpointDisabled { reason: SystemDisableReason; failingSince: Date }

const HOUR_MS = 3600_000;

/**
 * Whether an attempt may change its endpoint's state, judged on the endpoint as read before the
 * attempt. The usual attempts (a success after a success, a failure in a streak not yet
 * `disableAfterHours` old) change nothing: they send no statement, and take no lock on the
 * endpoint's row, which every delivery to the endpoint would otherwise queue on.
 */
export function mayChangeEndpoint(outcome: AttemptOutcome, failingSince: Date | null, disableAfterHours: number): boolean {
  if (outcome.ok) return failingSince !== null;
  if (outcome.statusCode === 410 || failingSince === null) return true;
  return failingSince.getTime() <= outcome.at.getTime() - disableAfterHours * HOUR_MS;
}

/**
 * Records an attempt's outcome on its enabled endpoint, in the attempt's transaction, in one
 * statement: a success ends a failing streak, a failure starts one (or goes on with it), and a
 * 410 Gone, or a failure when the streak is `disableAfterHours` old, disables the endpoint. The
 * row is locked and read again first (`current`), so an attempt judges on what another one has
 * just recorded. Returns how this attempt disabled the endpoint, if it did.
 */
export async function recordEndpointOutcome(tx: Transaction, partnerId: string, endpointId: string, outcome: AttemptOutcome,
  disableAfterHours: number): Promise<EndpointDisabled | undefined> {
  const [row] = await tx<{ disabled_reason: SystemDisableReason | null; failing_since: Date | null }[]>`
    with current as (
      select partner_id, id, case
          when ${outcome.ok} then null
          when ${outcome.statusCode === 410} then 'gone'
          when failing_since <= ${outcome.at}::timestamptz - make_interval(hours => ${disableAfterHours}) then 'failing'
        end as reason
      from webhook_endpoints
      where partner_id = ${partnerId} and id = ${endpointId} and enabled
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
    returning e.disabled_reason, e.failing_since`;
  return row?.disabled_reason ? { reason: row.disabled_reason, failingSince: row.failing_since! } : undefined;
}

/** The log line of an endpoint Omni disabled. */
export function disabledMessage(endpointId: string, disabled: EndpointDisabled, disableAfterHours: number): string {
  return disabled.reason === 'gone'
    ? `webhook endpoint ${endpointId} disabled: its receiver answered 410 Gone`
    : `webhook endpoint ${endpointId} disabled: its attempts have failed since ${disabled.failingSince.toISOString()} without a success `
      + `(WEBHOOK_DISABLE_AFTER_FAILING_HOURS ${disableAfterHours})`;
}
