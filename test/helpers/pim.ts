import { runExport } from '../../src/pim/catalog-export.js';
import { createOrg, createPimToken, createPimUser, createTenant } from '../../src/pim/pim-auth.js';
import { createTestStore, type TestContext, type TestStore } from './test-app.js';

export interface PimActor {
  orgId: string; tenantId: string; storeId: string; token: string; email: string; headers: Record<string, string>;
  /** The tenant's store, with its partner's credentials (to write through the Partner API). */
  store: TestStore;
}

/** An org with one tenant (a new store) and one user with a token. */
export async function createPimActor(ctx: TestContext, opts: { notifyEmail?: string; warehouses?: number } = {}): Promise<PimActor> {
  const store = await createTestStore(ctx, opts.warehouses ?? 0);
  const { orgId } = await createOrg(ctx.sql, 'Org');
  const { tenantId } = await createTenant(ctx.sql, { orgId, storeClientId: store.storeClientId, notifyEmail: opts.notifyEmail });
  const email = `user-${tenantId.slice(0, 8)}@org.example`;
  const { userId } = await createPimUser(ctx.sql, orgId, email);
  const { token } = await createPimToken(ctx.sql, userId);
  return { orgId, tenantId, storeId: store.storeId, store, token, email, headers: { authorization: `Bearer ${token}`, 'x-org-id': orgId, 'x-tenant-id': tenantId } };
}

export const pimRequest = (ctx: TestContext, actor: { headers: Record<string, string> }, method: 'GET' | 'POST', url: string, body?: unknown) =>
  ctx.app.inject({ method, url, headers: actor.headers, ...(body === undefined ? {} : { payload: body as any }) });

/** Polls a bulk job until it is COMPLETED or FAILED; returns its view. */
export async function waitJob(ctx: TestContext, actor: PimActor, id: string, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await pimRequest(ctx, actor, 'GET', `/api/v1/pim/bulk-jobs/${id}`);
    if (['COMPLETED', 'FAILED'].includes(res.json().data.status)) return res.json().data;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`bulk job ${id} not done in ${timeoutMs} ms`);
}

/** Creates a bulk job and waits for its end. */
export async function runJob(ctx: TestContext, actor: PimActor, jobType: string, payload: unknown) {
  const res = await pimRequest(ctx, actor, 'POST', '/api/v1/pim/bulk-jobs', { job_type: jobType, payload });
  if (res.statusCode !== 200) throw new Error(`bulk job refused: ${res.body}`);
  return waitJob(ctx, actor, res.json().data.id);
}

/** The store's open DUPLICATE_SKU issues as the PIM API lists them, as `product name: message`, sorted. */
export async function openDuplicateSkus(ctx: TestContext, actor: PimActor) {
  const res = await pimRequest(ctx, actor, 'GET', '/api/v1/pim/validation-issues?code=DUPLICATE_SKU');
  if (res.statusCode !== 200) throw new Error(`validation-issues refused: ${res.body}`);
  const names = new Map((await ctx.sql<{ id: string; name: string }[]>`
    select id, name from products where store_id = ${actor.storeId}`).map((p) => [p.id, p.name]));
  return (res.json().data as { product_id: string; message: string }[])
    .map((i) => `${names.get(i.product_id)}: ${i.message}`).sort();
}

/** An export asked for over the API and run here, as the pim.export task runs it (for files with no worker). */
export async function exportNow(ctx: TestContext, actor: PimActor) {
  const id = (await pimRequest(ctx, actor, 'POST', '/api/v1/pim/exports')).json().data.id as string;
  await runExport(ctx.sql, ctx.deps.config, ctx.deps.encryptionKey, actor.storeId, id);
  return id;
}
