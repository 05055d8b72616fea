import { createHash } from 'node:crypto';
import type { Sql, Transaction } from '../db/database.js';
import { AppError } from '../errors/app-error.js';

export interface IdempotencyRequest {
  storeId: string;
  key: string | undefined;
  /** Method and path: a key is bound to one endpoint. */
  route: string;
  /**
   * Whose keys these are, where two kinds of client send them for one store: the PIM's bulk jobs
   * (`pim`) beside its partner's bulk requests (none), so that one's key never answers the other.
   */
  scope?: 'pim';
  /** The partner whose key it is (0150), for a partner's request: another partner's key is not its own. */
  partnerId?: string;
  rawBody: Buffer | undefined;
  /** How long a key replays its response (IDEMPOTENCY_KEY_TTL_HOURS); an older one is free again. */
  ttlHours: number;
}

export interface StoredResponse<T> { status: number; body: T; replayed: boolean }

/**
 * How a response is kept for its replays when it repeats what the database holds anyway (a PIM
 * job's payload, up to the body limit): `keep` what is stored, `restore` the response from it.
 */
export interface StoredForm<T> { keep(body: T): unknown; restore(kept: unknown, sql: Sql): Promise<T> }

class KeyTaken extends Error {}

/** The moment before which a key has expired: one definition for the replay, the takeover and the purge (retention.ts). */
export const keysExpireBefore = (sql: Sql | Transaction, ttlHours: number) => sql`now() - make_interval(hours => ${ttlHours})`;

/**
 * Idempotency-Key (Stripe's semantics): the first request with a key runs and
 * its response is stored in the same transaction as its effects; a retry with
 * the same key and body gets that response again (no second batch); the same
 * key with a different body is IDEM_001. Without a key the request just runs. A key
 * lives ttlHours (24 by default, as Stripe's); after that the same key runs anew. The response is
 * kept as text in a json column, which keeps it as written (jsonb, what postgres.js's `json()` sends,
 * reorders an object's keys; a json parameter would be stringified twice): the route's serializer
 * writes the replay's same object as the same bytes.
 */
export async function idempotent<T>(sql: Sql, req: IdempotencyRequest, run: (tx: Transaction) => Promise<{ status: number; body: T }>,
  form?: StoredForm<T>): Promise<StoredResponse<T>> {
  if (req.key === undefined) return { ...(await sql.begin((tx) => run(tx))), replayed: false } as StoredResponse<T>;
  if (!/^[\x21-\x7e]{1,255}$/.test(req.key)) throw new AppError('IDEM_002');
  // A scope's keys stored after its name and a space, which no key holds.
  const key = req.scope ? `${req.scope} ${req.key}` : req.key;
  const hash = createHash('sha256').update(req.route).update('\n').update(req.rawBody ?? Buffer.alloc(0)).digest('hex');
  const replay = async () => {
    const [stored] = await sql<{ request_hash: string; status_code: number; response: T; route: string }[]>`
      select request_hash, status_code, response, route from idempotency_keys
      where store_id = ${req.storeId} and key = ${key} and created_at >= ${keysExpireBefore(sql, req.ttlHours)}
        and (partner_id is null or partner_id = ${req.partnerId ?? null}::uuid)`;
    if (!stored) return null;
    if (stored.request_hash !== hash) throw new AppError('IDEM_001', { idempotencyKey: req.key, originalRoute: stored.route });
    return { status: stored.status_code, body: form ? await form.restore(stored.response, sql) : stored.response, replayed: true };
  };
  const earlier = await replay();
  if (earlier) return earlier;
  try {
    return await sql.begin(async (tx) => {
      const result = await run(tx);
      const [claimed] = await tx`
        insert into idempotency_keys (store_id, key, route, request_hash, status_code, response, partner_id)
        values (${req.storeId}, ${key}, ${req.route}, ${hash}, ${result.status}, ${JSON.stringify(form ? form.keep(result.body) : result.body)}::text::json,
          ${req.partnerId ?? null}::uuid)
        on conflict (store_id, key) do update set route = excluded.route, request_hash = excluded.request_hash,
          status_code = excluded.status_code, response = excluded.response, created_at = now(), partner_id = excluded.partner_id
        -- an expired key (not purged yet: retention.ts runs hourly) is taken over, as is another partner's (0150)
        where idempotency_keys.created_at < ${keysExpireBefore(tx, req.ttlHours)}
          or idempotency_keys.partner_id is distinct from excluded.partner_id and idempotency_keys.partner_id is not null
        returning key`;
      // Another request with this key committed first: undo ours and answer with theirs.
      if (!claimed) throw new KeyTaken();
      return { ...result, replayed: false };
    }) as StoredResponse<T>;
  } catch (err) {
    if (!(err instanceof KeyTaken)) throw err;
    return (await replay())!;
  }
}
