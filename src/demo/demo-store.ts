import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Sql } from '../db/database.js';
import { createPartner } from '../partners/partners.js';
import { createStore } from '../stores/stores.js';
import { seedTaxonomy } from '../catalog/taxonomy.js';
import { signRequest } from '../sdk/signing.js';

export interface DemoCredentials {
  partnerClientId: string;
  partnerSecret: string;
  storeClientId: string;
  storeToken: string;
  warehouses: { clientId: string; name: string }[];
}

const demoFile = (config: Config) => join(config.dataDir, 'demo-credentials.json');

/**
 * On the first start of an empty database: a demo partner, a store with two
 * warehouses and the reference taxonomy. The credentials are kept in the data
 * folder (next to the database they open) so later starts can print a fresh curl.
 */
export async function ensureDemo(sql: Sql, config: Config, key: Buffer): Promise<{ created: boolean; demo?: DemoCredentials }> {
  const existing = await readFile(demoFile(config), 'utf8').then((t) => JSON.parse(t) as DemoCredentials, () => undefined);
  const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from partners`;
  if (n > 0) return { created: false, demo: existing };
  await seedTaxonomy(sql);
  const partner = await createPartner(sql, key, { name: 'Demo Partner' });
  const store = await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'Demo Store', warehouses: 2 });
  const demo: DemoCredentials = {
    partnerClientId: partner.partnerClientId, partnerSecret: partner.partnerSecret,
    storeClientId: store.storeClientId, storeToken: store.storeToken, warehouses: store.warehouses,
  };
  await writeFile(demoFile(config), JSON.stringify(demo, null, 2), { mode: 0o600 });
  return { created: true, demo };
}

/** A ready-to-paste signed curl; the signature holds for 300 seconds. */
export function signedCurl(baseUrl: string, demo: DemoCredentials, path = '/api/v1/partner/stores/warehouses'): string {
  const headers = signRequest({
    secret: demo.partnerSecret, method: 'GET', path,
    partnerClientId: demo.partnerClientId, storeClientId: demo.storeClientId, storeToken: demo.storeToken,
  });
  return [`curl -s '${baseUrl}${path}'`, ...Object.entries(headers).map(([k, v]) => `  -H '${k}: ${v}'`)].join(' \\\n');
}

export function demoBanner(baseUrl: string, demo: DemoCredentials, created: boolean): string {
  return [
    '',
    created ? '== Omni demo data created ==' : '== Omni demo store ==',
    `partnerClientId: ${demo.partnerClientId}`,
    `partnerSecret:   ${demo.partnerSecret}`,
    `storeClientId:   ${demo.storeClientId}`,
    `storeToken:      ${demo.storeToken}`,
    `warehouses:      ${demo.warehouses.map((w) => `${w.clientId} (${w.name})`).join(', ')}`,
    '',
    'Try it (signature valid for 300 s; `npx omni demo curl` prints a fresh one):',
    signedCurl(baseUrl, demo),
    '',
    `API reference: ${baseUrl}/docs`,
    '',
  ].join('\n');
}
