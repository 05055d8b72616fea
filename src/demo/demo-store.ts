import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { urlHost, type Config } from '../config.js';
import type { Queryable, Sql } from '../db/database.js';
import { createPartner, partnerEncryptionKey } from '../partners/partners.js';
import { createStore } from '../stores/stores.js';
import { seedTaxonomy } from '../catalog/taxonomy.js';
import { createOrg, createPimToken, createPimUser, createTenant } from '../pim/pim-auth.js';
import { signRequest } from '../sdk/signing.js';
import { partnerOperations } from '../sdk/operations.js';

/** PIM access to the demo store: an organization, the store as its tenant, a user and their bearer token. */
export interface DemoPim { orgId: string; tenantId: string; userId: string; email: string; token: string }

export interface DemoCredentials {
  partnerClientId: string;
  partnerSecret: string;
  /** Decrypts the API's `ENCRYPTED:` fields (docs/partner-auth.md); absent in a file from before it was kept (the next start adds it). */
  partnerEncryptionKey?: string;
  /** Where the last `omni serve` of this data folder listened, for `omni demo curl` run without its PORT. */
  baseUrl?: string;
  storeClientId: string;
  /** null once `omni admin store revoke-token` revoked it (`rotate-token` writes a new one here). */
  storeToken: string | null;
  warehouses: { clientId: string; name: string }[];
  /** Absent in a file written before the demo had PIM access (the next start adds it). */
  pim?: DemoPim;
}

export const demoFile = (config: Pick<Config, 'dataDir'>) => join(config.dataDir, 'demo-credentials.json');

const readDemo = (config: Pick<Config, 'dataDir'>) =>
  readFile(demoFile(config), 'utf8').then((t) => JSON.parse(t) as DemoCredentials, () => undefined);
/**
 * The folder made first: on a DATABASE_URL database (OMNI_DEMO=true) nothing else had made the data
 * folder, the write failed after the demo partner was created, and the next start, finding a
 * partner, made no demo: its credentials were lost (logs QA).
 */
const writeDemo = async (config: Pick<Config, 'dataDir'>, demo: DemoCredentials) => {
  await mkdir(config.dataDir, { recursive: true });
  await writeFile(demoFile(config), JSON.stringify(demo, null, 2), { mode: 0o600 });
};

async function createDemoPim(sql: Queryable, storeClientId: string): Promise<DemoPim> {
  const { orgId } = await createOrg(sql, 'Demo Org');
  const { tenantId } = await createTenant(sql, { orgId, storeClientId });
  const { userId, email } = await createPimUser(sql, orgId, `demo.${storeClientId}@omni.local`);
  return { orgId, tenantId, userId, email, token: (await createPimToken(sql, userId)).token };
}

/** The demo itself, on any database: a partner, a store with two warehouses, PIM access to it, the taxonomy; written to the data folder. */
export async function createDemo(sql: Sql, config: Pick<Config, 'dataDir'>, key: Buffer): Promise<DemoCredentials> {
  await seedTaxonomy(sql);
  const partner = await createPartner(sql, key, { name: 'Demo Partner' });
  const store = await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'Demo Store', warehouses: 2 });
  const demo: DemoCredentials = {
    partnerClientId: partner.partnerClientId, partnerSecret: partner.partnerSecret, partnerEncryptionKey: partner.partnerEncryptionKey,
    storeClientId: store.storeClientId, storeToken: store.storeToken, warehouses: store.warehouses,
    pim: await sql.begin((tx) => createDemoPim(tx, store.storeClientId)),
  };
  await writeDemo(config, demo);
  return demo;
}

/**
 * The address of a server listening on `port`, the one it actually has: with PORT=0 the system
 * picks it, and the demo's curls and its file said `http://127.0.0.1:0`. PUBLIC_BASE_URL, when
 * set, is where it is reached (a proxy, a name).
 */
export const listeningBaseUrl = (config: Pick<Config, 'PUBLIC_BASE_URL' | 'HOST' | 'publicBaseUrl'>, port: number) =>
  (config.PUBLIC_BASE_URL ? config.publicBaseUrl : `http://${urlHost(config.HOST)}:${port}`);

/**
 * On the first start of an empty database: the demo (createDemo). The credentials are kept in
 * the data folder (next to the database they open) so later starts can print a fresh curl; a
 * file from before the demo had PIM access gets it, while its store has no tenant yet.
 */
export async function ensureDemo(sql: Sql, config: Config, key: Buffer, baseUrl = config.publicBaseUrl): Promise<{ created: boolean; demo?: DemoCredentials }> {
  const found = await findDemo(sql, config, key);
  // Where this server listens (`baseUrl`, listeningBaseUrl), for `omni demo curl` run in a shell
  // without its PORT (it printed curls to the default port 8080 of a server started on another).
  if (found.demo && found.demo.baseUrl !== baseUrl) {
    found.demo.baseUrl = baseUrl;
    await writeDemo(config, found.demo);
  }
  return found;
}

async function findDemo(sql: Sql, config: Config, key: Buffer): Promise<{ created: boolean; demo?: DemoCredentials }> {
  const existing = await readDemo(config);
  const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from partners`;
  if (n === 0) return { created: true, demo: await createDemo(sql, config, key) };
  if (existing && !existing.pim) {
    const [store] = await sql`select 1 from stores s where client_id = ${existing.storeClientId}
                               and not exists (select from tenants t where t.store_id = s.id)`;
    if (store) {
      existing.pim = await sql.begin((tx) => createDemoPim(tx, existing.storeClientId));
      await writeDemo(config, existing);
    }
  }
  if (existing && !existing.partnerEncryptionKey) {
    const [partner] = await sql<{ id: string }[]>`select id from partners where client_id = ${existing.partnerClientId}`;
    if (partner) {
      existing.partnerEncryptionKey = (await partnerEncryptionKey(sql, key, partner.id)).toString('base64');
      await writeDemo(config, existing);
    }
  }
  return { created: false, demo: existing };
}

/**
 * After `omni admin store rotate-token` (the new token) or `revoke-token` (null): the demo file
 * says so if it is the demo store's, so that `omni demo curl` never signs with a dead token.
 * The file's path, when it changed. A token of another partner (one that onboarded the demo store
 * since) is not the demo partner's to sign with: it was written beside the demo partner's
 * credentials, its curls still refused (README QA); `notWritten` says why instead.
 */
export async function updateDemoStoreToken(config: Pick<Config, 'dataDir'>, storeClientId: string, storeToken: string | null, partnerClientId?: string) {
  const demo = await readDemo(config);
  if (demo?.storeClientId !== storeClientId) return undefined;
  if (partnerClientId !== undefined && partnerClientId !== demo.partnerClientId) {
    return { notWritten: `${demoFile(config)} keeps the demo partner's credentials: the demo store is operated by ${partnerClientId} now, whose token this is` };
  }
  await writeDemo(config, { ...demo, storeToken });
  return { demoFileUpdated: demoFile(config) };
}

export const DEFAULT_PARTNER_PATH = '/api/v1/partner/stores/warehouses';
export const DEFAULT_PIM_PATH = '/api/v1/pim/bulk-jobs?type=BULK_IMPORT';

/** A request a demo curl makes: a GET by default; with a body, the exact bytes that are signed and sent. */
export interface CurlRequest {
  path?: string;
  method?: string;
  body?: string | Uint8Array;
  /** Where `body` was read from: the curl sends the file (`--data-binary @file`) instead of holding the body. */
  bodyFile?: string;
}

/** A word for a POSIX shell, in single quotes. */
const quoted = (v: string) => `'${v.replaceAll("'", "'\\''")}'`;

function curl(baseUrl: string, method: string, path: string, headers: Record<string, string>, body?: Pick<CurlRequest, 'body' | 'bodyFile'>) {
  const data = body?.bodyFile !== undefined ? `--data-binary ${quoted(`@${body.bodyFile}`)}` : body?.body !== undefined ? `--data-raw ${quoted(Buffer.from(body.body).toString())}` : undefined;
  return [`curl -s${method === 'GET' ? '' : ` -X ${method}`} ${quoted(baseUrl + path)}`,
    ...Object.entries(headers).map(([k, v]) => `  -H ${quoted(`${k}: ${v}`)}`),
    ...(data ? [`  ${data}`] : [])].join(' \\\n');
}

/** What to do about a demo store whose token was revoked. */
export const revokedTokenHint = (demo: Pick<DemoCredentials, 'storeClientId'>) =>
  `the demo store's token was revoked: \`npx omni admin store rotate-token --store ${demo.storeClientId}\` issues a new one and writes it to the demo file`
  + ' (a demo store onboarded and then unbound: its seller onboards it again)';

/**
 * Whether the Partner API operation at `method` `path` is the partner's own (partnerOperations'
 * scope): such routes (`/partner/webhooks/…`, `/partner/onboard/…`, `GET /partner/stores`)
 * refuse store headers (AUTH_004), so the curl was refused for every one of them. A literal
 * segment wins over a parameter (the template with fewer parameters).
 */
export function partnerScoped(method: string, path: string): boolean {
  const bare = path.split('?')[0];
  const full = bare.startsWith('/api/v1/') ? bare : `/api/v1${bare}`;
  const params = (p: string) => p.split('{').length - 1;
  const [match] = Object.values(partnerOperations)
    .filter((o) => o.method === method && new RegExp(`^${o.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(full))
    .sort((a, b) => params(a.path) - params(b.path));
  return match?.scope === 'partner';
}

/** A ready-to-paste signed curl; the signature holds for 300 seconds. */
export function signedCurl(baseUrl: string, demo: DemoCredentials & { storeToken: string }, request: CurlRequest = {}): string {
  const { path = DEFAULT_PARTNER_PATH, body } = request;
  const method = (request.method ?? (body === undefined ? 'GET' : 'POST')).toUpperCase();
  const store = partnerScoped(method, path) ? {} : { storeClientId: demo.storeClientId, storeToken: demo.storeToken };
  const headers = signRequest({ secret: demo.partnerSecret, method, path, body, partnerClientId: demo.partnerClientId, ...store });
  return curl(baseUrl, method, path, body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, request);
}

/** A ready-to-paste curl of the PIM API as the demo user (the token does not expire). */
export function pimCurl(baseUrl: string, pim: DemoPim, path = DEFAULT_PIM_PATH): string {
  return curl(baseUrl, 'GET', path, { authorization: `Bearer ${pim.token}`, 'x-tenant-id': pim.tenantId, 'x-org-id': pim.orgId });
}

/** Both curls, each under a comment line (pasting the comment too is harmless). */
export function demoCurls(baseUrl: string, demo: DemoCredentials, requests: { partner?: CurlRequest; pimPath?: string } = {}): string {
  const pim = demo.pim
    ? ['# PIM API (Bearer token, X-Tenant-ID, X-Org-ID):', pimCurl(baseUrl, demo.pim, requests.pimPath)]
    : ['# PIM API: no PIM access in this demo file yet (the next `omni serve` adds it)'];
  const partner = demo.storeToken === null
    ? [`# Partner API: ${revokedTokenHint(demo)}`]
    : ['# Partner API (signed; valid for 300 s, `npx omni demo curl` prints a fresh one):', signedCurl(baseUrl, { ...demo, storeToken: demo.storeToken }, requests.partner)];
  return [...partner, '', ...pim].join('\n');
}

export function demoBanner(baseUrl: string, demo: DemoCredentials, created: boolean, credentialsFile: string): string {
  // Its secrets once, when they are made: every later start printed them again into whatever
  // collects the process's output (logs QA). The file keeps them; demo curl signs fresh curls.
  if (!created) {
    return ['', '== Omni demo store ==', `credentials: ${credentialsFile}`, 'signed curls to paste: npx omni demo curl',
      `API reference: ${baseUrl}/docs`, ''].join('\n');
  }
  return [
    '',
    '== Omni demo data created ==',
    `partnerClientId: ${demo.partnerClientId}`,
    `partnerSecret:   ${demo.partnerSecret}`,
    ...(demo.partnerEncryptionKey ? [`partnerEncryptionKey: ${demo.partnerEncryptionKey} (decrypts the ENCRYPTED: fields)`] : []),
    `storeClientId:   ${demo.storeClientId}`,
    `storeToken:      ${demo.storeToken ?? 'revoked'}`,
    `warehouses:      ${demo.warehouses.map((w) => `${w.clientId} (${w.name})`).join(', ')}`,
    ...(demo.pim ? [`PIM orgId:       ${demo.pim.orgId}`, `PIM tenantId:    ${demo.pim.tenantId}`, `PIM token:       ${demo.pim.token} (${demo.pim.email})`] : []),
    '',
    'Try it:',
    demoCurls(baseUrl, demo),
    '',
    `API reference: ${baseUrl}/docs`,
    `(kept in ${credentialsFile}; later starts print only where)`,
    '',
  ].join('\n');
}
