import { createWebhookEndpoint } from '../../src/webhooks/endpoints.js';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config.js';
import { connect, connectStatements, type Sql } from '../../src/db/database.js';
import { buildApp, type AppDeps } from '../../src/http/app.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { seedTaxonomy } from '../../src/catalog/taxonomy.js';
import { signRequest } from '../../src/sdk/signing.js';
import { testDatabaseUrl, testDataDir } from './test-database.js';

export const TEST_KEY_B64 = randomBytes(32).toString('base64');

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: testDatabaseUrl(), OMNI_DATA_DIR: testDataDir(), OMNI_ENCRYPTION_KEY: TEST_KEY_B64,
    // The tests' webhook receivers listen on 127.0.0.1.
    LOG_LEVEL: 'silent', PORT: '0', WEBHOOK_ALLOW_PRIVATE_URLS: 'true', ...overrides,
  });
}

export interface TestContext {
  app: Awaited<ReturnType<typeof buildApp>>;
  sql: Sql;
  deps: AppDeps;
  close(): Promise<void>;
}

/** The real app on the run's database; `extend` may add routes before it is ready. */
export async function createTestApp(opts: { env?: Record<string, string>; extend?: (app: TestContext['app']) => void } = {}): Promise<TestContext> {
  const config = testConfig(opts.env);
  const sql = connect(config.DATABASE_URL!, 5);
  // As the server runs: single statements on a pool of their own (AppDeps.statements).
  const statements = connectStatements(config.DATABASE_URL!, 2);
  const deps: AppDeps = { sql, statements, config, encryptionKey: Buffer.from(TEST_KEY_B64, 'base64') };
  const app = await buildApp(deps, { logger: false });
  opts.extend?.(app);
  await app.ready();
  await seedTaxonomy(sql);
  return { app, sql, deps, async close() { await app.close(); await Promise.all([sql.end(), statements.end()]); } };
}

export interface TestStore {
  partnerId: string;
  partnerClientId: string;
  partnerSecret: string;
  partnerEncryptionKey: string;
  storeId: string;
  storeClientId: string;
  storeToken: string;
  warehouses: { clientId: string; name: string }[];
}

/** A new partner with one store (unique per call, so test files never collide). */
export async function createTestStore(ctx: TestContext, warehouses = 0): Promise<TestStore> {
  const partner = await createPartner(ctx.sql, ctx.deps.encryptionKey, { name: `Partner ${randomBytes(3).toString('hex')}` });
  const store = await createStore(ctx.sql, { partnerClientId: partner.partnerClientId, name: 'Test Store', warehouses });
  return { ...partner, ...store };
}

/**
 * Subscribes the store's partner to every event type (the outbox only holds events an
 * enabled endpoint subscribes to). Port 9 (discard) refuses at once, so a worker's
 * delivery attempts fail quickly and never reach anything.
 */
export async function subscribeToAllEvents(ctx: TestContext, who: TestStore) {
  return createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, who.partnerId, { url: 'http://127.0.0.1:9/omni-test-events' });
}

export interface SignedInjectOptions {
  method: 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  /** Sent as it is when a string or a Buffer (its bytes), else as JSON. */
  body?: unknown;
  /** Sign as a partner-only request (no store headers). */
  partnerOnly?: boolean;
  headers?: Record<string, string>;
  timestamp?: number;
  /** The caller's address, as the socket gives it (light-my-request's default: 127.0.0.1). */
  remoteAddress?: string;
}

/** Injects a request signed exactly as the SDK signs it. */
export function signedInject(ctx: TestContext, who: TestStore, opts: SignedInjectOptions) {
  const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
  const headers = signRequest({
    secret: who.partnerSecret, method: opts.method, path: opts.url, partnerClientId: who.partnerClientId,
    storeClientId: opts.partnerOnly ? undefined : who.storeClientId,
    storeToken: opts.partnerOnly ? undefined : who.storeToken,
    timestamp: opts.timestamp, body: payload,
  });
  return ctx.app.inject({
    method: opts.method, url: opts.url, payload, remoteAddress: opts.remoteAddress,
    headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers, ...opts.headers },
  });
}
