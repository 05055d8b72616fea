import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './program.js';

/**
 * What `omni` refuses while it reads the options, in this process: every command's action is
 * replaced by one that says it ran, so that a refusal here is one made before any database is
 * opened (README, Administration: "a usage error … is told before the database is opened,
 * followed by the command's help"). Spawning `omni` costs about a second each.
 */
async function parse(...args: string[]): Promise<{ outcome: string; stderr: string }> {
  const program = buildProgram();
  let stderr = '';
  const walk = (cmd: Command) => {
    cmd.exitOverride().configureOutput({ writeErr: (s) => { stderr += s; }, writeOut: () => {} });
    if (cmd.commands.length === 0) cmd.action(() => { throw new Error('ran'); });
    cmd.commands.forEach(walk);
  };
  walk(program);
  const outcome = await program.parseAsync(args, { from: 'user' })
    .then(() => 'parsed', (err: { code?: string; message: string }) => (err.code ? `${err.code}: ${err.message}` : err.message));
  return { outcome, stderr };
}

const refused = (flags: string, value: string, why: string) => `commander.invalidArgument: error: option '${flags}' argument '${value}' is invalid. ${why}`;

describe('usage errors, told before the database is opened and followed by the help', () => {
  it('webhook add: unknown or repeated event types, a URL an endpoint cannot have', async () => {
    const add = ['admin', 'webhook', 'add', '--partner', 'ptnr_x'];
    const nope = await parse(...add, '--url', 'https://e.com/x', '--events', 'nope');
    expect(nope.outcome).toBe(refused('--events <types>', 'nope', 'unknown event types: nope; expected a comma-separated list of catalog.sync.completed, '
      + 'products.bulk.completed, stock.update.requested, stock.update.completed, product.created, product.updated, product.deleted, '
      + 'prices.update.completed, products.deletion.completed, export.completed, export.failed, webhook.endpoint.disabled (none: all of them).'));
    expect(nope.stderr).toContain('Usage: omni admin webhook add [options]');
    expect((await parse(...add, '--url', 'https://e.com/x', '--events', 'product.created, product.created')).outcome)
      .toBe(refused('--events <types>', 'product.created, product.created', 'event types given twice: product.created; name each once.'));
    expect((await parse(...add, '--url', 'notaurl')).outcome)
      .toBe(refused('--url <url>', 'notaurl', 'expected an absolute http(s) URL without credentials (not an absolute URL).'));
    for (const [url, why] of [['ftp://x.example', 'the scheme is ftp'], [`https://x.example/${'a'.repeat(2040)}`, 'longer than 2048 characters']]) {
      expect((await parse(...add, '--url', url)).outcome).toContain(`is invalid. expected an absolute http(s) URL without credentials (${why}`);
    }
    // A URL refused for its credentials is not repeated (QA: it printed the password), by either command.
    for (const [command, flags] of [[add, '--url <url>'], [['admin', 'partner', 'create', '--name', 'P'], '--webhook-url <url>']] as const) {
      const withPassword = await parse(...command, flags.split(' ')[0], 'https://hookuser:HOOKPASSWORD@x.example/');
      expect(withPassword.outcome).toBe(`commander.invalidArgument: error: option '${flags}' is invalid (not repeated here): `
        + 'expected an absolute http(s) URL without credentials (it carries credentials (user:password@): the signature is how a receiver knows Omni).');
      expect(withPassword.stderr).not.toContain('HOOKPASSWORD');
    }
    expect((await parse('admin', 'partner', 'create', '--name', 'P', '--webhook-url', 'javascript:alert(1)')).outcome)
      .toBe(refused('--webhook-url <url>', 'javascript:alert(1)', 'expected an absolute http(s) URL without credentials (the scheme is javascript: webhooks are POSTed over http or https).'));
    // What passes reaches the command (no event types: every type).
    for (const events of [[], ['--events', 'product.created,stock.update.completed'], ['--events', '']]) {
      expect((await parse(...add, '--url', 'http://127.0.0.1:9/hook', ...events)).outcome).toBe('ran');
    }
  });

  it('seller create: a password shorter than 8 characters', async () => {
    const short = await parse('admin', 'seller', 'create', '--email', 'a@b.co', '--password', 'secret7', '--store', 'S');
    // Without the password itself: a refusal of commander's parsers repeats the value.
    expect(short.outcome).toBe("commander.invalidArgument: error: option '--password <password>' is invalid (not repeated here): expected a password of at least 8 characters, got 7.");
    expect(short.stderr).not.toContain('secret7');
    expect(short.stderr).toContain('Usage: omni admin seller create [options]');
    expect((await parse('admin', 'seller', 'create', '--email', 'a@b.co', '--password', '12345678', '--store', 'S')).outcome).toBe('ran');
    // Characters, not UTF-16 units: four emoji were 8 (limits QA).
    expect((await parse('admin', 'seller', 'create', '--email', 'a@b.co', '--password', '😀😀😀😀', '--store', 'S')).outcome)
      .toBe("commander.invalidArgument: error: option '--password <password>' is invalid (not repeated here): expected a password of at least 8 characters, got 4.");
  });

  it('store create: --warehouses from 0 to 100', async () => {
    const create = ['admin', 'store', 'create', '--partner', 'ptnr_x', '--name', 'S', '--warehouses'];
    const many = await parse(...create, '100000');
    expect(many.outcome).toBe(refused('--warehouses <count>', '100000', 'expected a whole number from 0 to 100, got "100000".'));
    expect(many.stderr).toContain('Usage: omni admin store create [options]');
    expect((await parse(...create, '101')).outcome).toContain('expected a whole number from 0 to 100, got "101".');
    for (const n of ['0', '100']) expect((await parse(...create, n)).outcome).toBe('ran');
  });

  it('an empty name, an email that is none, a list\'s --limit out of range (moved from test/integration/cli-failures.test.ts: a process each)', async () => {
    expect((await parse('admin', 'org', 'create', '--name', ' ')).outcome).toBe(refused('--name <name>', ' ', 'expected a value, got an empty one.'));
    // An address the export email could never reach, or a sign-in name that is none.
    const org = '00000000-0000-4000-8000-000000000000';
    for (const args of [['tenant', 'create', '--org', org, '--store', 'str_x', '--notify-email'], ['user', 'create', '--org', org, '--email'],
      ['seller', 'create', '--password', 'long enough', '--store', 'str_x', '--email']]) {
      expect((await parse('admin', ...args, 'notanemail')).outcome).toBe(refused(`${args.at(-1)} <email>`, 'notanemail', 'expected an email address, got "notanemail".'));
    }
    // A list's --limit out of range, as the HTTP API's limit (it used to be clamped: 500 printed 100 rows).
    for (const list of [['batch', 'list'], ['webhook', 'deliveries', '--partner', 'ptnr_x']]) {
      expect((await parse('admin', ...list, '--limit', '500')).outcome).toBe(refused('--limit <n>', '500', 'expected a whole number from 1 to 100, got "500".'));
    }
  });

  it('an empty partner, store, batch or endpoint id', async () => {
    const empty = 'expected a value, got an empty one.';
    for (const args of [['store', 'show', '--store'], ['store', 'create', '--name', 'S', '--partner'], ['partner', 'disable', '--partner'],
      ['store', 'list', '--partner'], ['warehouse', 'add', '--name', 'W', '--store'], ['webhook', 'list', '--partner'],
      ['seller', 'create', '--email', 'a@b.co', '--password', '12345678', '--store'], ['batch', 'list', '--store'], ['batch', 'list', '--partner'],
      ['batch', 'retry', '--batch'], ['tenant', 'create', '--org', '00000000-0000-4000-8000-000000000000', '--store']]) {
      const flag = args.at(-1)!;
      const { outcome, stderr } = await parse('admin', ...args, ' ');
      expect(outcome, args.join(' ')).toMatch(new RegExp(`^commander\\.invalidArgument: error: option '${flag} <\\w+>' argument ' ' is invalid\\. ${empty}$`));
      expect(stderr).toContain('Usage: omni admin');
    }
    expect((await parse('admin', 'webhook', 'disable', '')).outcome).toContain(`argument 'endpointId'. ${empty}`);
    expect((await parse('admin', 'store', 'show', '--store', 'str_x')).outcome).toBe('ran');
  });
});
