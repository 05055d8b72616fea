import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { createPimActor, pimRequest } from '../helpers/pim.js';
import { createPimToken, createPimUser, setPimUserRole } from '../../src/pim/pim-auth.js';

// The PIM's published facts: a valid token whose user lacks the role → 403. Every user could do
// everything (QA); a viewer reads the catalog, an editor also changes it (0156).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

describe('a PIM viewer', () => {
  it('reads the tenant (lists, audit log, exports), is refused a bulk job (PIM_012, nothing created), and creates one once an editor', async () => {
    const editor = await createPimActor(ctx);
    const { userId } = await createPimUser(ctx.sql, editor.orgId, `viewer-${editor.tenantId.slice(0, 8)}@org.example`, 'viewer');
    const viewer = { headers: { ...editor.headers, authorization: `Bearer ${(await createPimToken(ctx.sql, userId)).token}` } };
    for (const url of ['/api/v1/pim/bulk-jobs', '/api/v1/pim/validation-issues', '/api/v1/audit', '/api/v1/pim/products']) {
      expect((await pimRequest(ctx, viewer, 'GET', url)).statusCode, url).toBe(200);
    }
    expect((await pimRequest(ctx, viewer, 'POST', '/api/v1/pim/exports')).statusCode).toBe(202);
    const job = { job_type: 'BULK_IMPORT', payload: [{ title: 'Lamp' }] };
    const refused = await pimRequest(ctx, viewer, 'POST', '/api/v1/pim/bulk-jobs', job);
    expect([refused.statusCode, refused.json().error.code, refused.json().error.details.context])
      .toEqual([403, 'PIM_012', { role: 'viewer', required: 'editor', action: 'create a bulk job' }]);
    expect((await ctx.sql`select count(*)::int as n from bulk_jobs where store_id = ${editor.storeId}`)[0].n).toBe(0);
    await setPimUserRole(ctx.sql, userId, 'editor');
    expect((await pimRequest(ctx, viewer, 'POST', '/api/v1/pim/bulk-jobs', job)).statusCode).toBe(200);
    expect((await pimRequest(ctx, editor, 'POST', '/api/v1/pim/bulk-jobs', job)).statusCode).toBe(200);
  });
});
