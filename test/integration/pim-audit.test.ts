import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { startTestWorker } from '../helpers/worker.js';
import { createPimActor, pimRequest, waitJob, type PimActor } from '../helpers/pim.js';

let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

const auditOf = async (actor: PimActor) => (await pimRequest(ctx, actor, 'GET', '/api/v1/audit')).json().data as any[];

describe('PIM audit events of bulk jobs and exports (seed 004: the log says who did what, and when)', () => {
  it("records each bulk job created: its creator, the job, its type and item count (not the payload), the request and the caller's address", async () => {
    const a = await createPimActor(ctx);
    const payload = [{ title: 'Lamp', sku: 'AU-1' }, { title: 'Chair', sku: 'AU-2' }, { title: 'Desk', description: 'x'.repeat(500) }];
    const created = await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_IMPORT', payload });
    expect(created.statusCode).toBe(200);
    const job = created.json().data;
    await waitJob(ctx, a, job.id);
    // A payload sent as a string of JSON counts its items as one sent as JSON.
    const ids = (await ctx.sql<{ id: string }[]>`select id from products where store_id = ${a.storeId} order by sku`).map((p) => p.id);
    const removal = await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_DELETE', payload: JSON.stringify(ids.slice(0, 2)) });
    await waitJob(ctx, a, removal.json().data.id);

    const events = await auditOf(a);
    // Newest first: the deletion's job, then its products; the import's job before its products.
    expect(events.map((e) => [e.action, e.resource_type])).toEqual([
      ['product.deleted', 'product'], ['product.deleted', 'product'], ['bulk_job.created', 'bulk_job'],
      ['product.created', 'product'], ['product.created', 'product'], ['product.created', 'product'], ['bulk_job.created', 'bulk_job'],
    ]);
    const [removed, imported] = events.filter((e) => e.action === 'bulk_job.created');
    expect(imported).toMatchObject({
      actor_email: a.email, actor: a.email, actor_type: 'user', resource_id: job.id,
      request_id: created.json().requestId, ip_address: '127.0.0.1',
    });
    expect(imported.details).toEqual({ bulkJobId: job.id, jobType: 'BULK_IMPORT', items: 3 });
    expect(removed).toMatchObject({ actor_email: a.email, resource_id: removal.json().data.id, request_id: removal.json().requestId });
    expect(removed.details).toEqual({ bulkJobId: removal.json().data.id, jobType: 'BULK_DELETE', items: 2 });
  });

  it('records each export requested: its requester, the export, where its files go and their formats', async () => {
    const a = await createPimActor(ctx);
    const requested = await pimRequest(ctx, a, 'POST', '/api/v1/pim/exports');
    expect(requested.statusCode).toBe(202);
    const exportId = requested.json().data.id;
    const [event] = await auditOf(a);
    expect(event).toMatchObject({
      action: 'catalog_export.requested', actor_email: a.email, actor_type: 'user', resource_type: 'catalog_export', resource_id: exportId,
      request_id: requested.json().requestId, ip_address: '127.0.0.1',
    });
    expect(event.details).toEqual({ exportId, storage: 'local', formats: ['ndjson', 'csv'] });
  });

  it('records nothing for a refused request: only the accepted ones are in the log', async () => {
    const a = await createPimActor(ctx);
    const post = (body: string, url = '/api/v1/pim/bulk-jobs') => ctx.app.inject({
      method: 'POST', url, headers: { ...a.headers, 'content-type': 'application/json' }, payload: body,
    });
    const refusals = [
      await post('{"job_type":"BULK_MERGE","payload":[]}'),
      await post('{"job_type":"BULK_IMPORT","payload":"{not json"}'),
      await post('{"job_type":"BULK_IMPORT","payload":{"title":"Not an array"}}'),
      await post('{"job_type":"BULK_IMPORT","payload":["not a product object"]}'),
      await post('{"job_type":"BULK_IMPORT"}'),
      await post('{"job_type":"BULK_IMPORT","payload":[{"title":"Cut short"}'),
      await post('{"format":', '/api/v1/pim/exports'),
      await pimRequest(ctx, { headers: { ...a.headers, authorization: 'Bearer pim_unknown' } }, 'POST', '/api/v1/pim/exports'),
      await pimRequest(ctx, { headers: { ...a.headers, authorization: 'Bearer pim_unknown' } }, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_IMPORT', payload: [] }),
    ];
    expect(refusals.map((r) => [r.statusCode, r.json().error.code])).toEqual([
      [400, 'VAL_001'], [400, 'PIM_005'], [400, 'PIM_005'], [400, 'PIM_005'], [400, 'VAL_001'], [400, 'REQ_001'], [400, 'REQ_001'], [401, 'PIM_001'], [401, 'PIM_001'],
    ]);
    const accepted = await post('{"job_type":"BULK_DELETE","payload":[]}');
    expect(accepted.statusCode).toBe(200);
    expect((await auditOf(a)).map((e) => [e.action, e.resource_id, e.request_id]))
      .toEqual([['bulk_job.created', accepted.json().data.id, accepted.json().requestId]]);
  });

  it('writes the job or export and its event in one transaction: an event that cannot be written leaves no job or export behind', async () => {
    const a = await createPimActor(ctx);
    // The audit insert of this store fails (this file's database alone), after the row and its job were written.
    await ctx.sql.unsafe(`
      create function refuse_pim_audit() returns trigger language plpgsql as $$ begin raise exception 'audit refused'; end $$;
      create trigger refuse_pim_audit before insert on audit_events for each row
        when (new.store_id = '${a.storeId}'::uuid) execute function refuse_pim_audit();`);
    try {
      const job = await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_IMPORT', payload: [{ title: 'Unaudited' }] });
      const queued = await pimRequest(ctx, a, 'POST', '/api/v1/pim/exports');
      expect([job.statusCode, queued.statusCode]).toEqual([500, 500]);
    } finally {
      await ctx.sql.unsafe('drop trigger refuse_pim_audit on audit_events; drop function refuse_pim_audit()');
    }
    const [left] = await ctx.sql`select (select count(*)::int from bulk_jobs where store_id = ${a.storeId}) as jobs,
      (select count(*)::int from catalog_exports where store_id = ${a.storeId}) as exports`;
    expect(left).toEqual({ jobs: 0, exports: 0 });
  });
});
