import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, subscribeToAllEvents, type TestContext } from '../helpers/test-app.js';
import { until, waitingForLock } from '../helpers/lock-waits.js';
import { processBulkJob } from '../../src/pim/bulk-job-processing.js';

// A PIM bulk job read the store's partner once, when it started, and addressed every chunk's
// product events to it: the chunks written after another partner claimed the store were told to
// the partner that had lost it (whose deliveries the fan-out then left out) and to no one else (QA).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

describe('a PIM bulk job running while its store moves to another partner', () => {
  it("tells each chunk's changes to the partner operating the store when the chunk is written", async () => {
    const [operated, next] = [await createTestStore(ctx, 0), await createTestStore(ctx, 0)];
    await Promise.all([subscribeToAllEvents(ctx, operated), subscribeToAllEvents(ctx, next)]);
    // 501 products: two chunks of the job (500 items a chunk).
    const ids = (await ctx.sql<{ id: string }[]>`insert into products (store_id, name) select ${operated.storeId}, 'P' || g
      from generate_series(1, 501) g returning id`).map((r) => r.id);
    const [job] = await ctx.sql`insert into bulk_jobs (store_id, job_type, payload, created_by)
      values (${operated.storeId}, 'BULK_UPDATE', ${JSON.stringify(ids.map((id) => ({ id, title: 'Renamed' })))}, 'user@org.example') returning id`;
    // The second chunk's product is held: the first chunk is written, the second waits while the store moves.
    const holder = await ctx.sql.reserve();
    await holder`begin`;
    await holder`select 1 from products where id = ${ids[500]} for update`;
    const running = processBulkJob(ctx.sql, operated.storeId, job.id, 'user@org.example');
    await until('the job waiting for the held product', () => waitingForLock(ctx.sql, 'products'), 1500);
    await holder`update stores set partner_id = ${next.partnerId} where id = ${operated.storeId}`;
    await holder`commit`;
    holder.release();
    await running;
    const told = await ctx.sql<{ partner_id: string; id: string }[]>`
      select partner_id, payload->>'id' as id from outbox_events where store_id = ${operated.storeId} and type = 'product.updated'`;
    expect(told.filter((e) => e.id === ids[500]).map((e) => e.partner_id)).toEqual([next.partnerId]);
    expect(told.filter((e) => e.partner_id === operated.partnerId)).toHaveLength(500);
  });
});
