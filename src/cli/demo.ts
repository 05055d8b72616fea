import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { DEFAULT_PARTNER_PATH, DEFAULT_PIM_PATH, demoCurls, demoFile, type DemoCredentials } from '../demo/demo-store.js';

export function registerDemoCommands(program: Command) {
  program.command('demo').description('the demo store created on first start').command('curl')
    .description('print a freshly signed curl of the Partner API and a curl of the PIM API for the demo store (OMNI_DATA_DIR/demo-credentials.json)')
    .option('--path <path>', 'a Partner API GET path to sign', DEFAULT_PARTNER_PATH)
    .option('--pim-path <path>', 'a PIM API GET path', DEFAULT_PIM_PATH)
    .action(async (o: { path: string; pimPath: string }) => {
      const config = loadConfig();
      const file = demoFile(config);
      const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        // Named as the operator knows it: the demo comes from the first `omni serve`, not from this command.
        throw new Error(`no demo store in ${config.dataDir} (no ${file}): the first \`omni serve\` on an empty database creates it `
          + '(with the embedded database, or OMNI_DEMO=true); set OMNI_DATA_DIR to the folder that server uses');
      });
      process.stdout.write(`${demoCurls(config.publicBaseUrl, JSON.parse(text) as DemoCredentials, { partner: o.path, pim: o.pimPath })}\n`);
    });
}
