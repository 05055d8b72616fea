import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OMNI_BIN, omni, omniEnv, omniJson } from '../helpers/cli.js';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { authenticateSeller } from '../../src/onboarding/sellers.js';

/**
 * The admin CLI, continued from cli.test.ts, split so that the two run at once: together they
 * spawn ~90 `omni` commands, and the one file took 92-99 s of a CI run in a slow spell. Here:
 * what an operator reads when a command fails, and the help.
 */
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());

// Each case runs `omni` several times in processes of their own (~0.5 s of CPU each): on a busy machine
// (2 cores, the suite's other files beside it) a case took 20-30 s, over the default timeout.
describe('what an operator reads when a command fails', { timeout: 90_000 }, () => {
  it('names the missing or duplicate PIM organization, user or tenant instead of the constraint', async () => {
    const nobody = '00000000-0000-4000-8000-000000000000';
    const store = await omniJson('admin', 'store', 'create', '--partner', (await omniJson('admin', 'partner', 'create', '--name', 'P')).partnerClientId, '--name', 'S');
    const noOrg = await omni('admin', 'tenant', 'create', '--org', nobody, '--store', store.storeClientId);
    expect(noOrg.stderr.trim()).toBe(`error: no PIM organization has this id (org_id ${nobody}): \`omni admin org list\` lists the organizations`);
    const { orgId } = await omniJson('admin', 'org', 'create', '--name', 'Org');
    await omniJson('admin', 'tenant', 'create', '--org', orgId, '--store', store.storeClientId);
    expect((await omni('admin', 'tenant', 'create', '--org', orgId, '--store', store.storeClientId)).stderr.trim())
      .toBe("error: this store already has a PIM tenant: `omni admin store show --store str_…` names it, `omni admin org show --org ORG` lists an organization's tenants");
    const email = `ops-${randomBytes(3).toString('hex')}@org.example`;
    await omniJson('admin', 'user', 'create', '--org', orgId, '--email', email);
    const twice = await omni('admin', 'user', 'create', '--org', orgId, '--email', email);
    expect(twice.code).toBe(1);
    expect(twice.stderr.trim()).toBe(`error: a PIM user with this email already exists (email ${email})`);
    expect((await omni('admin', 'token', 'create', '--user', nobody)).stderr.trim())
      .toBe(`error: no PIM user has this id (user_id ${nobody}): \`omni admin org show --org ORG\` lists an organization's users`);
  });

  it('a wrong partner or store id, or a refused value, says what to do next', async () => {
    expect((await omni('admin', 'store', 'list', '--partner', 'ptnr_missing')).stderr.trim())
      .toBe('error: no partner with client id ptnr_missing: `omni admin partner list` lists the partners (ptnr_…)');
    expect((await omni('admin', 'store', 'block', '--store', 'str_missing')).stderr.trim())
      .toBe("error: no store with client id str_missing: `omni admin store list --partner ptnr_…` lists a partner's stores (str_…)");
    expect((await omni('admin', 'partner', 'create', '--name', 'Bad hook', '--webhook-url', 'ftp://x.example')).stderr.split('\n')[0])
      .toBe("error: option '--webhook-url <url>' argument 'ftp://x.example' is invalid. expected an absolute http(s) URL without credentials (the scheme is ftp: webhooks are POSTed over http or https).");
  });

  it('org list and org show find the PIM ids again: tenants with their store, users with their live tokens (never a token)', async () => {
    const store = await omniJson('admin', 'store', 'create', '--partner', (await omniJson('admin', 'partner', 'create', '--name', 'P')).partnerClientId, '--name', 'S');
    const { orgId } = await omniJson('admin', 'org', 'create', '--name', 'Shown Org');
    const { tenantId } = await omniJson('admin', 'tenant', 'create', '--org', orgId, '--store', store.storeClientId, '--notify-email', 'cat@org.example');
    const email = `shown-${randomBytes(3).toString('hex')}@org.example`;
    // A role (0156): a viewer reads, an editor also writes; set-role changes it.
    const { userId, role } = await omniJson('admin', 'user', 'create', '--org', orgId, '--email', email, '--role', 'viewer');
    expect(role).toBe('viewer');
    const { token } = await omniJson('admin', 'token', 'create', '--user', userId);
    expect((await omniJson('admin', 'org', 'show', '--org', orgId)).users[0].role).toBe('viewer');
    expect(await omniJson('admin', 'user', 'set-role', '--user', userId, '--role', 'editor')).toEqual({ userId, email, role: 'editor' });
    const shown = await omniJson('admin', 'org', 'show', '--org', orgId);
    expect(shown).toEqual({ orgId, name: 'Shown Org',
      tenants: [{ tenantId, storeClientId: store.storeClientId, name: 'S', notifyEmail: 'cat@org.example', createdAt: expect.any(String) }],
      users: [{ userId, email, role: 'editor', activeTokens: 1, createdAt: expect.any(String) }] });
    expect(JSON.stringify(shown)).not.toContain(token);
    expect((await omniJson('admin', 'org', 'list')).orgs).toContainEqual({ orgId, name: 'Shown Org', tenantCount: 1, userCount: 1, createdAt: expect.any(String) });
    await omniJson('admin', 'token', 'revoke', '--token', token);
    const text = (await omni('admin', 'org', 'show', '--org', orgId)).stdout.split('\n');
    expect(text.slice(0, 3)).toEqual([`orgId: ${orgId}`, 'name: Shown Org', 'tenants:']);
    expect(text[text.indexOf('users:') + 2]).toMatch(new RegExp(`^  ${userId}  ${email}  editor  0 +\\d{4}-`));
    const nobody = '00000000-0000-4000-8000-000000000000';
    expect((await omni('admin', 'org', 'show', '--org', nobody)).stderr.trim()).toBe(`error: no PIM organization ${nobody}: \`omni admin org list\` lists the organizations`);
  }, 60_000);

  it('token list shows a user\'s tokens by tokenId; token revoke takes a token from stdin, a tokenId or a user', async () => {
    const { orgId } = await omniJson('admin', 'org', 'create', '--name', 'Token Org');
    const { userId } = await omniJson('admin', 'user', 'create', '--org', orgId, '--email', `tokens-${randomBytes(3).toString('hex')}@org.example`);
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await omniJson('admin', 'token', 'create', '--user', userId));
    const listed = (await omniJson('admin', 'token', 'list', '--user', userId)).tokens;
    expect(listed.map((t: { tokenId: string }) => t.tokenId)).toEqual(made.map((t) => t.tokenId));
    expect(listed[0]).toEqual({ tokenId: made[0].tokenId, active: true, createdAt: expect.any(String), expiresAt: null, revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(made[0].token);

    expect(await omniJson('admin', 'token', 'revoke', '--id', made[0].tokenId)).toEqual({ revoked: 1 });
    // From stdin, as a secrets manager pipes it: never in the process list or the shell history.
    const child = spawn(process.execPath, [OMNI_BIN, 'admin', 'token', 'revoke', '--token', '-', '--json'], { env: omniEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    // A blank line first, and the pipe left open: the first token line is enough.
    child.stdin.write(`\n${made[1].token}\n`);
    expect(await new Promise((resolve) => child.once('close', resolve))).toBe(0);
    child.stdin.destroy();
    expect(JSON.parse(out)).toEqual({ revoked: 1 });
    // Spaces around it, as a paste brings them: the API trims a header's, so the token still worked (QA).
    expect(await omniJson('admin', 'token', 'revoke', '--token', ` ${made[2].token} `)).toEqual({ revoked: 1 });
    expect(await omniJson('admin', 'token', 'revoke', '--user', userId)).toEqual({ revoked: 1 });
    const after = (await omniJson('admin', 'token', 'list', '--user', userId)).tokens;
    expect(after.map((t: { active: boolean; revokedAt: string | null }) => [t.active, t.revokedAt !== null])).toEqual(Array(4).fill([false, true]));
    const pim = await ctx.app.inject({ method: 'GET', url: '/api/v1/audit', headers: { authorization: `Bearer ${made[3].token}` } });
    expect(pim.json().error.code).toBe('PIM_001');

    // A mistyped user is not one without tokens; an empty token is no token.
    const nobody = '00000000-0000-4000-8000-000000000000';
    expect((await omni('admin', 'token', 'list', '--user', nobody)).stderr.trim())
      .toBe(`error: no PIM user ${nobody}: \`omni admin org show --org ORG\` lists an organization's users`);
    expect((await omni('admin', 'token', 'revoke', '--token', '')).stderr).toContain("option '--token <token>' argument '' is invalid");
    const none = await omni('admin', 'token', 'revoke');
    expect([none.code, none.stderr.trim()]).toEqual([1, 'error: say which token: --token <token> (or - to read it from stdin), --id <tokenId> or --user <userId>']);
    const both = await omni('admin', 'token', 'revoke', '--id', made[0].tokenId, '--user', userId);
    expect(both.stderr).toContain("error: option '--id <tokenId>' cannot be used with option '--user <userId>'");
  }, 60_000);

  it('seller create takes the password from stdin (--password -): never on the command line, where ps shows it', async () => {
    const store = await omniJson('admin', 'store', 'create', '--partner', (await omniJson('admin', 'partner', 'create', '--name', 'P')).partnerClientId, '--name', 'S');
    const create = async (email: string, input: string) => {
      const child = spawn(process.execPath, [OMNI_BIN, 'admin', 'seller', 'create', '--email', email, '--password', '-', '--store', store.storeClientId, '--json'],
        { env: omniEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
      let [out, err] = ['', ''];
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { err += d; });
      child.stdin.end(input);
      return { code: await new Promise((resolve) => child.once('close', resolve)), out, err };
    };
    const email = `stdin-${randomBytes(4).toString('hex')}@shop.example`;
    const made = await create(email, 'piped in from a vault\n');
    expect([made.code, made.err]).toEqual([0, '']);
    expect(JSON.parse(made.out)).toMatchObject({ email });
    expect(await authenticateSeller(ctx.sql, email, 'piped in from a vault')).not.toBeNull();
    expect(await authenticateSeller(ctx.sql, email, '-')).toBeNull();
    // Too short from stdin: refused as on the command line, not repeated.
    const short = await create(`short-${email}`, 'tiny\n');
    expect([short.code, short.err.split('\n')[0]]).toEqual([1, "error: option '--password <password>' is invalid (not repeated here): expected a password of at least 8 characters, got 4."]);
  });

  it('refuses a malformed id or an empty name as a usage error, before opening the database', async () => {
    const res = await omni('admin', 'user', 'create', '--org', 'not-a-uuid', '--email', 'x@y.z');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("error: option '--org <orgId>' argument 'not-a-uuid' is invalid. expected a uuid");
    // The other usage errors are parsed in-process, without a process each (src/cli/usage-errors.test.ts).
  });

  it('migrate says what it did', async () => {
    expect(await omni('migrate')).toMatchObject({ code: 0, stdout: 'no pending migrations\n' });
  });

  it('demo curl without a demo store says where it looked and where the demo comes from', async () => {
    const res = await omni('demo', 'curl');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: no demo store in .*: the first `omni serve` on an empty database creates it/);
  });

  it('a reader that stops early (| head) ends the command quietly, not with an EPIPE stack', async () => {
    const child = spawn(process.execPath, [OMNI_BIN, 'admin', 'taxonomy', 'seed'], { env: omniEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('every command and option says what it is for, and --version answers', async () => {
    const { buildProgram } = await import('../../src/cli/program.js');
    const undescribed: string[] = [];
    const walk = (cmd: ReturnType<typeof buildProgram>, path: string) => {
      if (!cmd.description()) undescribed.push(path);
      for (const o of cmd.options) if (!o.description) undescribed.push(`${path} ${o.flags}`);
      for (const sub of cmd.commands) walk(sub, `${path} ${sub.name()}`);
    };
    walk(buildProgram(), 'omni');
    expect(undescribed).toEqual([]);
    expect((await omni('--version')).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
