import { Webhook } from 'standardwebhooks';
import type { Queryable, Sql } from '../db/database.js';
import type { Config } from '../config.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { endpointSecret } from './endpoints.js';
import { deliveryDueAt } from './event-types.js';
import { nextAttemptDelayMs, retryAfterMs } from './retry-schedule.js';
import { privateHostReason, publicOnlyAgent } from './private-targets.js';
import { endStreakOfRecorded, mayChangeEndpoint, recordAnswerSpeed, recordEndpointOutcome, type EndpointDisabled } from './endpoint-health.js';

/**
 * What a failed request's error says, with its cause: undici's own message is only "fetch failed"
 * for a refused connection, an unknown host or a TLS failure alike; the cause tells which
 * (e.g. "TypeError: fetch failed (ECONNREFUSED: connect ECONNREFUSED 10.0.0.5:443)").
 */
function attemptError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  const why = cause && typeof cause === 'object'
    ? [cause.code, cause.message].filter((v) => typeof v === 'string' && v !== '').join(': ')
    : '';
  return `${err.name}: ${err.message}${why ? ` (${why})` : ''}`;
}

/** How much of a receiver's answer is read (and dropped) before the connection is closed. */
const ANSWER_READ_LIMIT = 64 * 1024;

/**
 * Reads and drops an answer's body, at most ANSWER_READ_LIMIT bytes: the receiver is the
 * partner's, and reading it whole (arrayBuffer) held any size it sent in the worker's memory.
 * Leaving the loop cancels the stream, which closes the connection. A body cut short changes
 * nothing: the status decided the attempt.
 */
async function discardAnswer(body: AsyncIterable<Uint8Array> | null) {
  if (!body) return;
  let read = 0;
  try {
    for await (const chunk of body) if ((read += chunk.byteLength) > ANSWER_READ_LIMIT) break;
  } catch { /* timed out or reset while reading: the status stands */ }
}

/** The key of a delivery's job (also set by the fan-out trigger, migration 0031): at most one job per delivery. */
export const deliveryJobKey = (deliveryId: string) => `webhook-delivery:${deliveryId}`;

/**
 * The queue of a troubled partner's deliveries, run one at a time (graphile-worker's named queue):
 * those of an endpoint whose attempts fail (failing_since), and every delivery of a partner one of
 * whose receivers was slow in the last SLOW_WINDOW_MS (an attempt, answered or timed out, over a
 * quarter of WEBHOOK_TIMEOUT_MS, and no quick one since). A troubled partner holds one delivery
 * slot, as Svix and Stripe isolate a failing endpoint. With every delivery in the common queue, a hanging receiver's backlog took every
 * slot (WEBHOOK_CONCURRENCY) and other partners' webhooks waited behind it (a helper measured 40.3 s
 * behind a 15 s receiver); with a queue per failing endpoint, a partner's 16 endpoints answering 200
 * after 9 s still held every slot, and another partner's webhook waited 167.7 s (security QA); with
 * the slowness an endpoint's own, each endpoint's first slow attempts still ran in the common queue
 * (review: 12 of them before another partner's). Healthy partners' deliveries run side by side. A
 * delivery's job that finds itself in the wrong queue moves (deliverWebhook).
 */
export const partnerQueueName = (partnerId: string) => `webhook-partner:${partnerId}`;

/**
 * How long after an endpoint's last slow attempt its partner's deliveries still go one at a time: a
 * slow endpoint that gets nothing more to send (subscribed to rare events, its URL fixed) kept them so
 * for ever (review).
 */
export const SLOW_WINDOW_MS = 10 * 60_000;

/** An attempt slower than this, answered or timed out, makes its endpoint slow (a quarter of the attempt's timeout). */
export const slowAnswerMs = (config: Pick<Config, 'WEBHOOK_TIMEOUT_MS'>) => config.WEBHOOK_TIMEOUT_MS / 4;

/**
 * Queues a delivery's attempt (now, or at `runAt`) under its job key, as the fan-out trigger
 * (0030) does: a job already queued for it is replaced, never doubled. `isolated`: in its
 * partner's queue (partnerQueueName), the job's payload saying so. Due now, or for a summary
 * event's a few minutes early (deliveryDueAt) unless `headStart` is false, or when `runAt` says.
 */
export function enqueueDelivery(tx: Queryable, partnerId: string, deliveryId: string, eventType: string,
  opts: { runAt?: Date; isolated?: boolean; headStart?: boolean } = {}) {
  const { runAt, isolated, headStart = true } = opts;
  return enqueueJob(tx, 'webhook.deliver', { partnerId, deliveryId, ...(isolated ? { isolated: true } : {}) }, {
    runAt: runAt ?? (headStart ? deliveryDueAt(eventType) : undefined), ...(isolated ? { queueName: partnerQueueName(partnerId) } : {}),
    maxAttempts: 5, jobKey: deliveryJobKey(deliveryId),
  });
}

/**
 * A webhook.deliver job's payload: `isolated` when it runs in its partner's queue.
 * `failingEndpointId`: a job queued before 2026-12-06 in its endpoint's own queue, moved on.
 */
export interface DeliveryJob { partnerId: string; deliveryId: string; isolated?: boolean; failingEndpointId?: string }

/**
 * One delivery attempt: POST {type, timestamp, storeClientId, data} signed with the Standard
 * Webhooks scheme (webhook-id = the event id, stable across attempts, so the
 * receiver can deduplicate). Every attempt is recorded; a failure schedules the
 * next attempt with exponential backoff until WEBHOOK_MAX_ATTEMPTS. The outcome also goes on the
 * endpoint (endpoint-health.ts): an attempt that disabled it is returned, its delivery ended.
 */
export async function deliverWebhook(sql: Sql, key: Buffer, config: Config, job: DeliveryJob)
  : Promise<(EndpointDisabled & { endpointId: string }) | undefined> {
  const { partnerId, deliveryId } = job;
  const [d] = await sql<any[]>`
    select d.status, d.attempts, d.attempt_base, d.redeliveries, d.event_id, d.endpoint_id, e.url, e.secret_ciphertext, e.enabled, e.failing_since, e.slow_since,
      -- The enabling of the endpoint this attempt is sent under (as text: see AttemptedEndpoint).
      e.enabled_at::text as enabled_at,
      o.type, o.payload, o.created_at,
      (select coalesce(array_agg(p->>'ciphertext'), '{}') from jsonb_array_elements(e.previous_secrets) p
        where (p->>'expiresAt')::timestamptz > now()) as previous_secret_ciphertexts,
      s.client_id as store_client_id,
      -- A receiver of the partner's, whichever endpoint, slow in the last SLOW_WINDOW (slowAnswerMs).
      exists (select 1 from webhook_endpoints x where x.partner_id = d.partner_id and x.enabled
        and x.last_slow_at > now() - make_interval(secs => ${SLOW_WINDOW_MS / 1000})) as partner_slow
    from webhook_deliveries d
    join webhook_endpoints e on e.partner_id = d.partner_id and e.id = d.endpoint_id
    join outbox_events o on o.id = d.event_id
    left join stores s on s.id = o.store_id
    where d.partner_id = ${partnerId} and d.id = ${deliveryId}`;
  if (!d || d.status === 'SUCCEEDED' || d.status === 'EXHAUSTED') return undefined;
  if (!d.enabled) {
    // The endpoint was disabled (by its partner, an operator or Omni) after this delivery was made: stop retrying it.
    await sql`update webhook_deliveries set status = 'EXHAUSTED', next_attempt_at = null, last_error = 'endpoint disabled'
              where partner_id = ${partnerId} and id = ${deliveryId} and status in ('PENDING', 'RETRYING')`;
    return undefined;
  }
  const isolated = d.failing_since !== null || d.partner_slow;
  if (isolated !== (job.isolated === true) || job.failingEndpointId !== undefined) {
    // In the wrong queue, no attempt counted: a failing or slow endpoint's delivery waits its turn
    // in its partner's queue, and once the endpoint answers well its queued ones go back to the
    // common queue, side by side again (drained a few milliseconds each, not an attempt each).
    await enqueueDelivery(sql, partnerId, deliveryId, d.type, { isolated });
    return undefined;
  }

  // The store by the id the partner knows it by (x-store-client-id): one endpoint hears every store of the partner.
  const body = JSON.stringify({ type: d.type, timestamp: d.created_at.toISOString(), storeClientId: d.store_client_id, data: d.payload });
  const sentAt = new Date();
  // While a rolled secret's grace lasts, signed with it too (space-separated, as Standard Webhooks
  // allows): a receiver holding any of them verifies the delivery.
  const signature = [d.secret_ciphertext, ...d.previous_secret_ciphertexts]
    .map((sealed: string) => new Webhook(endpointSecret(sealed, key)).sign(d.event_id, sentAt, body)).join(' ');
  // undici loaded here, on the first delivery (see publicOnlyAgent), before the clock: the attempt's
  // latency counted its ~0.14 s of loading, toward the slow-endpoint mark (limits QA).
  const { fetch } = await import('undici');
  const dispatcher = config.WEBHOOK_ALLOW_PRIVATE_URLS ? undefined : await publicOnlyAgent();
  const started = performance.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  let retryAfter: number | undefined;
  // An address written as such is never looked up: refused here. A name is checked as it resolves (publicOnlyAgent).
  const privateHost = config.WEBHOOK_ALLOW_PRIVATE_URLS ? undefined : privateHostReason(d.url);
  try {
    if (privateHost) throw new Error(`refused: ${privateHost} (set WEBHOOK_ALLOW_PRIVATE_URLS to deliver to private addresses)`);
    const res = await fetch(d.url, {
      dispatcher,
      method: 'POST', body, redirect: 'manual', signal: AbortSignal.timeout(config.WEBHOOK_TIMEOUT_MS),
      headers: {
        'content-type': 'application/json', 'user-agent': 'Omni-Webhooks/1',
        'webhook-id': d.event_id, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)), 'webhook-signature': signature,
      },
    });
    statusCode = res.status;
    await discardAnswer(res.body);
    if (res.status < 200 || res.status >= 300) {
      error = `HTTP ${res.status}`;
      retryAfter = retryAfterMs(res.headers.get('retry-after'), Date.now());
    }
  } catch (err) {
    error = attemptError(err);
  }
  const latencyMs = Math.round(performance.now() - started);
  const attempt = d.attempts + 1;
  const ok = error === null;
  const exhausted = !ok && attempt - d.attempt_base >= config.WEBHOOK_MAX_ATTEMPTS;
  const outcome = { ok, statusCode, error, at: sentAt };
  const disableAfterHours = config.WEBHOOK_DISABLE_AFTER_FAILING_HOURS;
  const endpoint = { partnerId, id: d.endpoint_id as string, enabledAt: d.enabled_at as string, url: d.url as string };

  // The backoff counts from the last redelivery: a redelivery starts a fresh schedule.
  const nextAt = ok || exhausted ? null : new Date(Date.now() + nextAttemptDelayMs(attempt - d.attempt_base, config.WEBHOOK_RETRY_BASE_MS, retryAfter));

  const disabled = await sql.begin(async (tx) => {
    // Only if no other run recorded an attempt since we read the row: an attempt is never counted
    // twice, and one not recorded changes nothing, its endpoint neither (the delivery's row lock
    // comes first, so a racing run of it waits here and then finds the attempt taken). A success
    // ends the endpoint's failing streak in the same statement, on the endpoint as it is now: as
    // read before the request, a streak another delivery's failure started meanwhile was kept.
    // Asked again meanwhile (redeliver, migration 0121): the attempt is recorded, before the
    // redelivery's fresh schedule (attempt_base), and the status, next attempt and job stay the
    // redelivery's; this attempt's retry replaced its job (an hour later), or ended it EXHAUSTED.
    const asRead = tx`redeliveries = ${d.redeliveries}`;
    const [recorded] = await tx<{ redelivered: boolean }[]>`
      with recorded as (
        update webhook_deliveries set attempts = ${attempt}, last_status_code = ${statusCode}, last_error = ${error},
          attempt_base = case when ${asRead} then attempt_base else attempt_base + 1 end,
          status = case when ${asRead} then ${ok ? 'SUCCEEDED' : exhausted ? 'EXHAUSTED' : 'RETRYING'} else status end,
          next_attempt_at = case when ${asRead} then ${nextAt}::timestamptz else next_attempt_at end,
          delivered_at = case when ${asRead} then ${ok ? new Date() : null}::timestamptz else delivered_at end
        where partner_id = ${partnerId} and id = ${deliveryId} and attempts = ${d.attempts}
        returning id, redeliveries <> ${d.redeliveries} as redelivered
      )${ok ? tx`, streak_ended as (${endStreakOfRecorded(tx, endpoint)})` : tx``}
      select redelivered from recorded`;
    if (!recorded) return undefined;
    await tx`insert into webhook_attempts (partner_id, delivery_id, attempt, status_code, latency_ms, error, attempted_at)
             values (${partnerId}, ${deliveryId}, ${attempt}, ${statusCode}, ${latencyMs}, ${error}, ${sentAt})`;
    const endpointDisabled = !ok && mayChangeEndpoint(outcome, d.failing_since, disableAfterHours)
      ? await recordEndpointOutcome(tx, endpoint, outcome, disableAfterHours) : undefined;
    // An attempt slow (answered or timed out) or quick again: the partner's deliveries go to its
    // queue or back. Every slow attempt is recorded (its time keeps them there, SLOW_WINDOW_MS); a
    // quick one only when it ends a slow streak (an endpoint's every delivery would write its row).
    const slow = latencyMs > slowAnswerMs(config);
    if (slow || d.slow_since !== null) await recordAnswerSpeed(tx, endpoint, slow);
    // Asked again meanwhile: the redelivery is sent now, after this attempt. Its job may be
    // running beside this one already (a free slot took it), and its record then loses to this
    // one's: a job queued here (a new one, if that one is locked) sends it again, and the delivery
    // is never left PENDING with no job. At least once, as ever: the receiver deduplicates.
    if (recorded.redelivered) {
      await enqueueDelivery(tx, partnerId, deliveryId, d.type, { isolated: !ok || slow });
      return endpointDisabled;
    }
    // An attempt that disabled its endpoint ends its delivery, as one whose attempts are used up
    // (a redelivery once it is enabled again sends it).
    if (!nextAt) return endpointDisabled;
    if (endpointDisabled) {
      await tx`update webhook_deliveries set status = 'EXHAUSTED', next_attempt_at = null where partner_id = ${partnerId} and id = ${deliveryId}`;
    } else {
      // A failed attempt's endpoint is failing (its streak began with this one or before).
      await enqueueDelivery(tx, partnerId, deliveryId, d.type, { runAt: nextAt, isolated: true });
    }
    return endpointDisabled;
  });
  return disabled && { ...disabled, endpointId: d.endpoint_id };
}
