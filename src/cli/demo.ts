import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { signedCurl, type DemoCredentials } from '../demo/demo-store.js';

export function registerDemoCommands(program: Command) {
  program.command('demo').description('the demo store created on first start').command('curl')
    .description('print a freshly signed curl for the demo store (OMNI_DATA_DIR/demo-credentials.json)')
    .option('--path <path>', 'a GET path to sign', '/api/v1/partner/stores/warehouses')
    .action(async (o: { path: string }) => {
      const config = loadConfig();
      const file = join(config.dataDir, 'demo-credentials.json');
      const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        // Named as the operator knows it: the demo comes from the first `omni serve`, not from this command.
        throw new Error(`no demo store in ${config.dataDir} (no ${file}): the first \`omni serve\` on an empty database creates it `
          + '(with the embedded database, or OMNI_DEMO=true); set OMNI_DATA_DIR to the folder that server uses');
      });
      process.stdout.write(`${signedCurl(config.publicBaseUrl, JSON.parse(text) as DemoCredentials, o.path)}\n`);
    });
}
