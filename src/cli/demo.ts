import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { signedCurl, type DemoCredentials } from '../demo/demo-store.js';

export function registerDemoCommands(program: Command) {
  program.command('demo').description('the demo store created on first start').command('curl')
    .description('print a freshly signed curl for the demo store')
    .option('--path <path>', 'a GET path to sign', '/api/v1/partner/stores/warehouses')
    .action(async (o: { path: string }) => {
      const config = loadConfig();
      const demo = JSON.parse(await readFile(join(config.dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredentials;
      process.stdout.write(`${signedCurl(config.publicBaseUrl, demo, o.path)}\n`);
    });
}
