import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { loadConfig, urlHost, type Config } from '../config.js';
import { DEFAULT_PARTNER_PATH, DEFAULT_PIM_PATH, demoCurls, demoFile, revokedTokenHint, type DemoCredentials } from '../demo/demo-store.js';
import { httpMethod, jsonText, partnerApiPath, pimApiPath } from './option-values.js';

export function registerDemoCommands(program: Command) {
  program.command('demo').description('the demo store the first start creates (OMNI_DATA_DIR/demo-credentials.json): `demo curl` prints signed requests to it')
    .command('curl')
    .description('print a freshly signed curl of the Partner API (a GET of --path, or a request with the body of --json or --data) '
      + 'and a curl of the PIM API for the demo store (OMNI_DATA_DIR/demo-credentials.json)')
    .option('--path <path>', 'a Partner API path to sign, with or without /api/v1', partnerApiPath, DEFAULT_PARTNER_PATH)
    .addOption(new Option('--json <json>', 'a JSON body given inline, checked, then signed and sent as given; the request is then a POST unless --method says otherwise').argParser(jsonText).conflicts('data'))
    .option('--data <body>', 'a body to sign and send as it is (@file reads it from a file); the request is then a POST unless --method says otherwise')
    .option('--method <method>', 'the Partner API request\'s method (default: GET, or POST with --json or --data)', httpMethod)
    .option('--pim-path <path>', 'a PIM API GET path, with or without /api/v1', pimApiPath, DEFAULT_PIM_PATH)
    .action(async (o: { path: string; json?: string; data?: string; method?: string; pimPath: string }) => {
      const config = loadConfig();
      const file = demoFile(config);
      const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        // Named as the operator knows it: the demo comes from the first `omni serve`, not from this command.
        throw new Error(`no demo store in ${config.dataDir} (no ${file}): the first \`omni serve\` on an empty database creates it `
          + '(with the embedded database, or OMNI_DEMO=true); set OMNI_DATA_DIR to the folder that server uses');
      });
      const demo = JSON.parse(text) as DemoCredentials;
      // A Partner API request asked for cannot be signed without the store's token; without one
      // asked for, the PIM curl still is printed, beside what to do about the token.
      const asked = o.path !== DEFAULT_PARTNER_PATH || o.json !== undefined || o.data !== undefined || o.method !== undefined;
      if (demo.storeToken === null && asked) throw new Error(`${revokedTokenHint(demo)} (${file})`);
      // A GET with a body: curl sends --data as a POST unless -X says otherwise, and the API reads no GET's body (QA).
      if (o.method === 'GET' && (o.json !== undefined || o.data !== undefined)) {
        throw new Error('--method GET sends no body: leave out --json and --data, or name the method that takes the body (POST, PATCH, PUT, DELETE)');
      }
      const bodyFile = o.data?.startsWith('@') ? resolve(o.data.slice(1)) : undefined;
      // The file's bytes as they are: the signature covers exactly what curl sends.
      const body = o.json ?? (bodyFile ? await readFile(bodyFile) : o.data);
      const partner = { path: o.path, method: o.method, body, bodyFile };
      const base = curlBase(config, demo.baseUrl);
      process.stdout.write(`${demoCurls(base, demo, { partner, pimPath: o.pimPath })}\n`);
    });
}

/**
 * Where the curls go: the server's own address (the demo file keeps where it last listened), but
 * for what this shell says: PUBLIC_BASE_URL all of it, HOST the host and PORT the port, each alone
 * (HOST alone took the default port 8080 with it, and beside PORT=0 was not heard; QA). PORT=0
 * says no port: the system picked the server's, which printed `…:0`.
 */
function curlBase(config: Config, lastListened: string | undefined): string {
  if (config.PUBLIC_BASE_URL !== undefined) return config.publicBaseUrl;
  const url = new URL(lastListened ?? config.publicBaseUrl);
  if (process.env.HOST) url.hostname = urlHost(config.HOST);
  if (process.env.PORT && config.PORT !== 0) url.port = String(config.PORT);
  // Its path kept (a gateway's prefix), without the slash URL adds to an origin.
  return url.toString().replace(/\/$/, '');
}
