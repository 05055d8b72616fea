import { createOrg, createPimToken, createPimUser, createTenant } from '../../src/pim/pim-auth.js';
import type { BenchEnv } from '../lib/environment.js';

/** The PIM export of the store's whole catalog (local folder): seconds until COMPLETED. */
export async function catalogExport(env: BenchEnv, storeClientId: string) {
  const { orgId } = await createOrg(env.sql, 'Bench org');
  const { tenantId } = await createTenant(env.sql, { orgId, storeClientId });
  const { userId } = await createPimUser(env.sql, orgId, 'bench@org.example');
  const { token } = await createPimToken(env.sql, userId);
  const headers = { authorization: `Bearer ${token}`, 'x-org-id': orgId, 'x-tenant-id': tenantId };
  const started = performance.now();
  const res = await fetch(`${env.baseUrl}/api/v1/pim/exports`, { method: 'POST', headers });
  const { data } = await res.json() as any;
  for (;;) {
    const view = (await (await fetch(`${env.baseUrl}/api/v1/pim/exports/${data.id}`, { headers })).json() as any).data;
    if (view.status === 'COMPLETED' || view.status === 'FAILED') {
      return { status: view.status, products: view.products, seconds: Number(((performance.now() - started) / 1000).toFixed(2)) };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
