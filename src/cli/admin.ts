import type { Command } from 'commander';
import { adminAction } from './context.js';
import { JSON_OPTION, MAX_NEW_WAREHOUSES, anId, checkWebhookUrl, nonEmpty, warehouseCount } from './option-values.js';
import { partnerId, registerWebhookAdmin } from './admin-webhooks.js';
import { registerPimAdmin } from './admin-pim.js';
import { registerOnboardingAdmin } from './admin-onboarding.js';
import { registerBatchAdmin } from './admin-batches.js';
import { registerEncryptionAdmin } from './admin-encryption.js';
import { createPartner, listPartners, setPartnerStatus } from '../partners/partners.js';
import { addWarehouseToStore, createStore, listPartnerStores, revokeStoreTokens, rotateStoreToken, setStoreStatus, showStore } from '../stores/stores.js';

import { seedTaxonomy } from '../catalog/taxonomy.js';
import { updateDemoStoreToken } from '../demo/demo-store.js';
import { createWebhookEndpoint } from '../webhooks/endpoints.js';
import { assertPublicTarget } from '../webhooks/private-targets.js';

const STORE_OPTION = ['--store <storeClientId>', 'the store, by the storeClientId `store create` printed (str_…)', anId] as const;
const PARTNER_OPTION = ['--partner <partnerClientId>', 'the partner, by the partnerClientId `partner create` printed (ptnr_…)', anId] as const;

/** `omni admin …`: what operators (and the tests) use to set partners and stores up. */
export function registerAdminCommands(program: Command) {
  const admin = program.command('admin')
    .description('administer partners, stores, warehouses, webhooks, PIM access and reference data (attaches to the running embedded database)');
  const run = adminAction;

  const partner = admin.command('partner').description('integration partners');
  partner.command('create').description('create a partner; prints its client id, secret and encryption key once')
    .requiredOption('--name <name>', 'display name', nonEmpty)
    .option('--webhook-url <url>', 'also register this URL as a webhook endpoint for every event type')
    .option(...JSON_OPTION)
    .hook('preAction', checkWebhookUrl('--webhook-url <url>', 'webhookUrl'))
    .action(run<{ name: string; webhookUrl?: string; json?: boolean }>(async ({ sql, key: checkedKey, config }, o) => {
      const key = await checkedKey();
      // One transaction: a URL the endpoint refuses (WHK_003) creates no partner, whose secret would never be shown.
      return sql.begin(async (tx) => {
        if (o.webhookUrl) assertPublicTarget(o.webhookUrl, config.WEBHOOK_ALLOW_PRIVATE_URLS);
        const { partnerId, partnerClientId, partnerSecret, partnerEncryptionKey } = await createPartner(tx, key, { name: o.name, webhookUrl: o.webhookUrl });
        if (!o.webhookUrl) return { partnerClientId, partnerSecret, partnerEncryptionKey };
        // The URL becomes the partner's first webhook endpoint, subscribed to every event.
        const endpoint = await createWebhookEndpoint(tx, key, partnerId, { url: o.webhookUrl });
        return { partnerClientId, partnerSecret, partnerEncryptionKey, webhookEndpointId: endpoint.id, webhookSecret: endpoint.secret };
      });
    }));

  partner.command('list').description('every partner, oldest first, with its store count (never its secret)')
    .option(...JSON_OPTION)
    .action(run<{ json?: boolean }>(async ({ sql }) => ({ partners: await listPartners(sql) })));

  for (const [name, status, what] of [['disable', 'DISABLED', 'stop a partner\'s access: every signed request is AUTH_005 (its stores, tokens and webhooks stay)'],
    ['enable', 'ACTIVE', 'restore the access of a partner `partner disable` stopped']] as const) {
    partner.command(name).description(what)
      .requiredOption(...PARTNER_OPTION)
      .option(...JSON_OPTION)
      .action(run<{ partner: string; json?: boolean }>(({ sql }, o) => setPartnerStatus(sql, o.partner, status)));
  }

  const store = admin.command('store').description('stores and their tokens');
  store.command('list').description("a partner's stores, oldest first, with their status and warehouse count (never a token)")
    .requiredOption(...PARTNER_OPTION)
    .option(...JSON_OPTION)
    .action(run<{ partner: string; json?: boolean }>(async ({ sql }, o) => ({ stores: await listPartnerStores(sql, await partnerId(sql, o.partner)) })));
  store.command('show').description('one store: its partner, status, PIM tenant, warehouses and live tokens (by their hint, never a token)')
    .requiredOption(...STORE_OPTION).option(...JSON_OPTION)
    .action(run<{ store: string; json?: boolean }>(({ sql }, o) => showStore(sql, o.store)));
  store.command('create').description("create a store operated by a partner; prints its client id and token once")
    .requiredOption(...PARTNER_OPTION)
    .requiredOption('--name <name>', 'display name', nonEmpty)
    .option('--warehouses <count>', `warehouses to create, 0 to ${MAX_NEW_WAREHOUSES} (0: stock is kept per product; \`warehouse add\` adds more)`, warehouseCount, 0)
    .option(...JSON_OPTION)
    .action(run<{ partner: string; name: string; warehouses: number; json?: boolean }>(async ({ sql }, o) => {
      const s = await createStore(sql, { partnerClientId: o.partner, name: o.name, warehouses: o.warehouses });
      return { storeClientId: s.storeClientId, storeToken: s.storeToken, warehouses: s.warehouses };
    }));
  store.command('rotate-token').description('issue a new token; the old ones stop working at once (the demo store\'s: demo-credentials.json gets it). It ends with the seller\'s authorization (expiresAt; refused once that was revoked or has ended: the seller onboards again), else with the tokens it replaces')
    .requiredOption(...STORE_OPTION).option(...JSON_OPTION)
    .action(run<{ store: string; json?: boolean }>(async ({ sql, config }, o) => {
      const rotated = await rotateStoreToken(sql, o.store);
      // `omni demo curl` signs with the file's token: it would sign with the dead one.
      return { ...rotated, ...await updateDemoStoreToken(config, rotated.storeClientId, rotated.storeToken, rotated.partnerClientId) };
    }));
  store.command('revoke-token')
    .description('revoke every token of the store, with none in their place (rotate-token issues a new one); the demo store\'s: demo-credentials.json records it, and `demo curl` then says to rotate')
    .requiredOption(...STORE_OPTION).option(...JSON_OPTION)
    .action(run<{ store: string; json?: boolean }>(async ({ sql, config }, o) => {
      const revoked = await revokeStoreTokens(sql, o.store);
      // Not a new token in its place: a revocation (a leaked token, access withdrawn) must not
      // hand out another. The demo file stops offering the dead one.
      return { ...revoked, ...await updateDemoStoreToken(config, revoked.storeClientId, null) };
    }));
  store.command('block').description('refuse every request for the store (Partner API: AUTH_014; its PIM tenant\'s: PIM_011) until it is unblocked')
    .requiredOption(...STORE_OPTION).option(...JSON_OPTION)
    .action(run<{ store: string; json?: boolean }>(({ sql }, o) => setStoreStatus(sql, o.store, 'BLOCKED')));
  store.command('unblock').description('accept requests for a blocked store again')
    .requiredOption(...STORE_OPTION).option(...JSON_OPTION)
    .action(run<{ store: string; json?: boolean }>(({ sql }, o) => setStoreStatus(sql, o.store, 'ACTIVE')));

  admin.command('warehouse').description('warehouses').command('add')
    .description("add a warehouse to a store; a store's first warehouse takes over its products' stock")
    .requiredOption(...STORE_OPTION).requiredOption('--name <name>', 'display name', nonEmpty).option(...JSON_OPTION)
    .action(run<{ store: string; name: string; json?: boolean }>(({ sql }, o) => addWarehouseToStore(sql, o.store, o.name)));

  admin.command('taxonomy').description('reference taxonomy').command('seed')
    .description('create the reference categories, sub-categories, types and brands (idempotent); prints their ids')
    .option(...JSON_OPTION)
    .action(run<{ json?: boolean }>(({ sql }) => seedTaxonomy(sql)));

  registerWebhookAdmin(admin);
  registerPimAdmin(admin);
  registerOnboardingAdmin(admin);
  registerBatchAdmin(admin);
  registerEncryptionAdmin(admin);
}
