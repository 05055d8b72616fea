import type { Command } from 'commander';
import { adminAction } from './context.js';
import { registerWebhookAdmin } from './admin-webhooks.js';
import { registerPimAdmin } from './admin-pim.js';
import { registerOnboardingAdmin } from './admin-onboarding.js';
import { registerBatchAdmin } from './admin-batches.js';
import { createPartner } from '../partners/partners.js';
import { addWarehouseToStore, createStore, revokeStoreTokens, rotateStoreToken, setStoreStatus } from '../stores/stores.js';
import { seedTaxonomy } from '../catalog/taxonomy.js';
import { createWebhookEndpoint } from '../webhooks/endpoints.js';

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a whole number, got "${v}"`);
  return n;
};

/** `omni admin …`: what operators (and the tests) use to set partners and stores up. */
export function registerAdminCommands(program: Command) {
  const admin = program.command('admin').description('administer partners, stores, warehouses and reference data');
  const run = adminAction;

  const partner = admin.command('partner').description('integration partners');
  partner.command('create').requiredOption('--name <name>').option('--webhook-url <url>').option('--json')
    .action(run<{ name: string; webhookUrl?: string; json?: boolean }>(({ sql, key }, o) => sql.begin(async (tx) => {
      // One transaction: a URL the endpoint refuses (WHK_003) creates no partner, whose secret would never be shown.
      const { partnerId, partnerClientId, partnerSecret, partnerEncryptionKey } = await createPartner(tx, key, { name: o.name, webhookUrl: o.webhookUrl });
      if (!o.webhookUrl) return { partnerClientId, partnerSecret, partnerEncryptionKey };
      // The URL becomes the partner's first webhook endpoint, subscribed to every event.
      const endpoint = await createWebhookEndpoint(tx, key, partnerId, { url: o.webhookUrl });
      return { partnerClientId, partnerSecret, partnerEncryptionKey, webhookEndpointId: endpoint.id, webhookSecret: endpoint.secret };
    })));

  const store = admin.command('store').description('stores and their tokens');
  store.command('create').requiredOption('--partner <partnerClientId>').requiredOption('--name <name>')
    .option('--warehouses <count>', 'warehouses to create', positiveInt, 0).option('--json')
    .action(run<{ partner: string; name: string; warehouses: number; json?: boolean }>(async ({ sql }, o) => {
      const s = await createStore(sql, { partnerClientId: o.partner, name: o.name, warehouses: o.warehouses });
      return { storeClientId: s.storeClientId, storeToken: s.storeToken, warehouses: s.warehouses };
    }));
  store.command('rotate-token').description('issue a new token; the old ones stop working at once')
    .requiredOption('--store <storeClientId>').option('--json')
    .action(run<{ store: string; json?: boolean }>(({ sql }, o) => rotateStoreToken(sql, o.store)));
  store.command('revoke-token').description('revoke every token of the store')
    .requiredOption('--store <storeClientId>').option('--json')
    .action(run<{ store: string; json?: boolean }>(({ sql }, o) => revokeStoreTokens(sql, o.store)));
  store.command('block').requiredOption('--store <storeClientId>').option('--json')
    .action(run<{ store: string; json?: boolean }>(({ sql }, o) => setStoreStatus(sql, o.store, 'BLOCKED')));
  store.command('unblock').requiredOption('--store <storeClientId>').option('--json')
    .action(run<{ store: string; json?: boolean }>(({ sql }, o) => setStoreStatus(sql, o.store, 'ACTIVE')));

  admin.command('warehouse').description('warehouses').command('add')
    .requiredOption('--store <storeClientId>').requiredOption('--name <name>').option('--json')
    .action(run<{ store: string; name: string; json?: boolean }>(({ sql }, o) => addWarehouseToStore(sql, o.store, o.name)));

  admin.command('taxonomy').description('reference taxonomy').command('seed').option('--json')
    .action(run<{ json?: boolean }>(({ sql }) => seedTaxonomy(sql)));

  registerWebhookAdmin(admin);
  registerPimAdmin(admin);
  registerOnboardingAdmin(admin);
  registerBatchAdmin(admin);
}
