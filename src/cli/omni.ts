import { Command } from 'commander';
import { ConfigError } from '../config.js';
import { registerAdminCommands } from './admin.js';
import { registerDemoCommands } from './demo.js';

const program = new Command('omni').description('Omni: partner catalog sync and PIM backend').showHelpAfterError();

program.command('serve')
  .description('run the HTTP API and (unless --no-worker) the job worker')
  .option('--no-worker', 'API only; run `omni worker` processes separately')
  .action(async (opts: { worker: boolean }) => {
    const { start } = await import('../server.js');
    await start({ api: true, worker: opts.worker });
  });

program.command('worker')
  .description('run the job worker only')
  .action(async () => {
    const { start } = await import('../server.js');
    await start({ api: false, worker: true });
  });

program.command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const { withDatabase } = await import('./context.js');
    await withDatabase(async () => {});
  });

registerAdminCommands(program);
registerDemoCommands(program);

program.parseAsync().catch((err: Error) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `error: ${err.message}`}\n`);
  process.exit(1);
});
