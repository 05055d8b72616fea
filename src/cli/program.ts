import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAdminCommands } from './admin.js';
import { registerDemoCommands } from './demo.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The `omni` command, without running it (omni.ts parses the arguments; a test reads the help of every command). */
export function buildProgram(): Command {
  const program = new Command('omni')
    .description('Omni: partner catalog sync and PIM backend. Configuration is environment variables (README, src/config.ts).')
    .version(version, '-V, --version', 'print the version')
    .showHelpAfterError();

  program.command('serve')
    .description('run the HTTP API and (unless --no-worker) the job worker; migrates the database first')
    .option('--no-worker', 'API only; run `omni worker` processes separately')
    .action(async (opts: { worker: boolean }) => {
      const { start } = await import('../server.js');
      await start({ api: true, worker: opts.worker });
    });

  program.command('worker')
    .description('run the job worker only; migrates the database first')
    .action(async () => {
      const { start } = await import('../server.js');
      await start({ api: false, worker: true });
    });

  program.command('migrate')
    .description('apply pending database migrations and exit')
    .option('--wait', 'wait for an external database that is not up yet, as `omni serve` does (DB_START_TIMEOUT_MS)')
    .action(async (opts: { wait?: boolean }) => {
      const { migrateDatabase } = await import('./context.js');
      const applied = await migrateDatabase({ waitForDatabase: opts.wait === true });
      process.stdout.write(applied.length ? applied.map((m) => `applied ${m}\n`).join('') : 'no pending migrations\n');
    });

  registerAdminCommands(program);
  registerDemoCommands(program);
  return program;
}
