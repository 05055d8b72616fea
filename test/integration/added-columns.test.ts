import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedInject, type TestContext } from '../helpers/test-app.js';
import { createPimActor, pimRequest } from '../helpers/pim.js';

// A statement prepared with `returning *` fails once a column is added under it ("cached plan must
// not change result type"), and postgres.js retries it only outside a transaction: during an
// upgrade that added a column to bulk_jobs, an older process's first PIM create on each pooled
// connection answered 500 (QA), and an export request and a webhook registration the same
// (review). Named columns now.
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

describe('PIM creates after a column was added to their table', () => {
  it('still answer: bulk jobs and exports', async () => {
    const a = await createPimActor(ctx);
    const create = () => Promise.all([
      pimRequest(ctx, a, 'POST', '/api/v1/pim/exports'),
      pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_IMPORT', payload: [{ title: 'Lamp' }] }),
    ]).then((rs) => rs.map((r) => r.statusCode));
    // Every pooled connection prepares them first.
    for (let i = 0; i < 8; i++) expect(await create()).toEqual([202, 200]);
    await ctx.sql`alter table catalog_exports add column test_added integer`;
    await ctx.sql`alter table bulk_jobs add column test_added integer`;
    for (let i = 0; i < 8; i++) expect(await create()).toEqual([202, 200]);
  });
});

describe('a webhook registration after a column was added to webhook_endpoints', () => {
  it('still answers 201', async () => {
    const { store } = await createPimActor(ctx);
    const register = (n: number) => signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/webhooks/endpoints', partnerOnly: true,
      body: { url: `http://127.0.0.1:9/added-${n}` } }).then((r) => r.statusCode);
    for (let i = 0; i < 8; i++) expect(await register(i)).toBe(201);
    await ctx.sql`alter table webhook_endpoints add column test_added integer`;
    for (let i = 8; i < 16; i++) expect(await register(i)).toBe(201);
  });
});
