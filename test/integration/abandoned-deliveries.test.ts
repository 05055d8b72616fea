import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, subscribeToAllEvents, type TestContext } from '../helpers/test-app.js';
import { emitEvents } from '../../src/webhooks/outbox.js';
import { failAbandonedWork } from '../../src/jobs/abandoned-work.js';
import { redeliver } from '../../src/webhooks/deliveries.js';
import { whileHeld } from '../helpers/lock-waits.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());

describe('webhook deliveries that no job will attempt again (abandoned:fail, hourly)', () => {
  // No worker runs in this file: each delivery keeps the job the outbox's fan-out gave it.
  const GRACE_MINUTES = 60;
  const delivery = async (partnerId: string, storeId: string) => {
    const [event] = await ctx.sql.begin(async (tx) => {
      await emitEvents(tx, [{ partnerId, storeId, type: 'product.created', payload: { id: crypto.randomUUID() } }]);
      return tx<{ id: string }[]>`select id from outbox_events where partner_id = ${partnerId} order by created_at desc, id desc limit 1`;
    });
    const [d] = await ctx.sql<{ id: string }[]>`select id from webhook_deliveries where event_id = ${event.id}`;
    return d.id;
  };
  /** The delivery's job as a worker killed on its last attempt leaves it: every attempt used, none running. */
  const useUpJob = (deliveryId: string) => ctx.sql`update graphile_worker._private_jobs set attempts = max_attempts, last_error = 'worker killed (test)'
    where payload->>'deliveryId' = ${deliveryId}`;
  const backdate = (deliveryId: string) => ctx.sql`update webhook_deliveries set created_at = now() - interval '2 hours' where id = ${deliveryId}`;
  const state = async (deliveryId: string) => (await ctx.sql`select status, last_error, next_attempt_at from webhook_deliveries where id = ${deliveryId}`)[0];

  it('ends EXHAUSTED a delivery whose job has no attempt left; leaves one with a live job, and a young one', async () => {
    const store = await createTestStore(ctx, 0);
    await subscribeToAllEvents(ctx, store);
    const [abandoned, waiting, young] = [await delivery(store.partnerId, store.storeId), await delivery(store.partnerId, store.storeId),
      await delivery(store.partnerId, store.storeId)];
    await useUpJob(abandoned);
    await useUpJob(young);
    await backdate(abandoned);
    await backdate(waiting);

    const ended = await failAbandonedWork(ctx.sql, GRACE_MINUTES);
    expect(ended.deliveries).toBe(1);
    expect(await state(abandoned)).toMatchObject({ status: 'EXHAUSTED', next_attempt_at: null, last_error: expect.stringMatching(/^Processing stopped/) });
    for (const id of [waiting, young]) expect((await state(id)).status).toBe('PENDING');
    // Run again: nothing more.
    expect((await failAbandonedWork(ctx.sql, GRACE_MINUTES)).deliveries).toBe(0);
  });

  it('leaves a delivery a partner redelivers while the sweep waits for its row', async () => {
    const store = await createTestStore(ctx, 0);
    await subscribeToAllEvents(ctx, store);
    const revived = await delivery(store.partnerId, store.storeId);
    await useUpJob(revived);
    await backdate(revived);
    // The redelivery holds the row (and its new job) uncommitted until the sweep waits for the row.
    let ended: Awaited<ReturnType<typeof failAbandonedWork>> | undefined;
    await whileHeld(ctx.sql, (tx) => redeliver(tx as any, store.partnerId, revived),
      async () => { ended = await failAbandonedWork(ctx.sql, GRACE_MINUTES); }, 'select 1 from webhook_deliveries d join');
    expect(ended!.deliveries).toBe(0);
    expect(await state(revived)).toMatchObject({ status: 'PENDING', last_error: null });
  });
});
