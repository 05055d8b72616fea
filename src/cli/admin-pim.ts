import { Option, type Command } from 'commander';
import { adminAction } from './context.js';
import { firstLineOfStdin } from './stdin.js';
import { JSON_OPTION, anId, email, nonEmpty, uuid } from './option-values.js';
import { createOrg, createPimToken, createPimUser, createTenant, listOrgs, listPimTokens, PIM_ROLES, revokePimTokens, setPimUserRole, showOrg, type PimRole } from '../pim/pim-auth.js';

const ORG_OPTION = ['--org <orgId>', 'the organization, by the orgId `org create` printed', uuid] as const;
const USER_OPTION = ['--user <userId>', 'the user, by the userId `user create` printed', uuid] as const;

/** `omni admin org|tenant|user|token …`: PIM organizations, their tenants (stores), users and tokens. */
export function registerPimAdmin(admin: Command) {
  const org = admin.command('org').description('PIM organizations');
  org.command('create').description('create an organization; prints its orgId (X-Org-ID)')
    .requiredOption('--name <name>', 'display name', nonEmpty).option(...JSON_OPTION)
    .action(adminAction<{ name: string; json?: boolean }>(({ sql }, o) => createOrg(sql, o.name)));
  org.command('list').description('every organization, oldest first, with its tenant and user counts').option(...JSON_OPTION)
    .action(adminAction<{ json?: boolean }>(async ({ sql }) => ({ orgs: await listOrgs(sql) })));
  org.command('show').description("an organization's tenants (X-Tenant-ID, with their store) and users (with their live token count; never a token)")
    .requiredOption(...ORG_OPTION).option(...JSON_OPTION)
    .action(adminAction<{ org: string; json?: boolean }>(({ sql }, o) => showOrg(sql, o.org)));
  admin.command('tenant').description('PIM tenants: one store catalog each').command('create')
    .description("give an organization a store's catalog; prints the tenantId (X-Tenant-ID)")
    .requiredOption(...ORG_OPTION).requiredOption('--store <storeClientId>', 'the store, by its storeClientId (str_…)', anId)
    .option('--name <name>', "display name (default: the store's)", nonEmpty)
    .option('--notify-email <email>', 'who is emailed when an export of this tenant finishes (needs SMTP_URL)', email).option(...JSON_OPTION)
    .action(adminAction<{ org: string; store: string; name?: string; notifyEmail?: string; json?: boolean }>(({ sql }, o) =>
      createTenant(sql, { orgId: o.org, storeClientId: o.store, name: o.name, notifyEmail: o.notifyEmail })));
  const user = admin.command('user').description('PIM users');
  const role = () => new Option('--role <role>', 'editor: changes the catalog (bulk jobs) and reads it; viewer: reads it (lists, audit log, exports)').choices(PIM_ROLES);
  user.command('create').description('create a user of an organization; prints its userId')
    .requiredOption(...ORG_OPTION).requiredOption('--email <email>', 'the user\'s email, unique', email).addOption(role().default('editor')).option(...JSON_OPTION)
    .action(adminAction<{ org: string; email: string; role: PimRole; json?: boolean }>(({ sql }, o) => createPimUser(sql, o.org, o.email, o.role)));
  user.command('set-role').description("give a user another role; its tokens act with it from their next request")
    .requiredOption(...USER_OPTION).addOption(role().makeOptionMandatory()).option(...JSON_OPTION)
    .action(adminAction<{ user: string; role: PimRole; json?: boolean }>(({ sql }, o) => setPimUserRole(sql, o.user, o.role)));
  const token = admin.command('token').description('PIM bearer tokens');
  token.command('create').description('issue a bearer token for a user (Authorization: Bearer …); printed once, with the tokenId that names it afterwards')
    .requiredOption(...USER_OPTION).option(...JSON_OPTION)
    .action(adminAction<{ user: string; json?: boolean }>(({ sql }, o) => createPimToken(sql, o.user)));
  token.command('list').description("a user's tokens, oldest first, by tokenId, and whether each is active; never a token (only its hash is kept)")
    .requiredOption(...USER_OPTION).option(...JSON_OPTION)
    .action(adminAction<{ user: string; json?: boolean }>(async ({ sql }, o) => ({ tokens: await listPimTokens(sql, o.user) })));
  token.command('revoke')
    .description('revoke at once a token, given itself, by its tokenId, or every token of a user; prints how many were revoked (0: unknown or already revoked)')
    .addOption(new Option('--token <token>', 'the token itself (pim_…); `-` reads it from stdin, out of the process list and the shell history; spaces around it are dropped, as the API drops them from a header').argParser(anId).conflicts(['id', 'user']))
    .addOption(new Option('--id <tokenId>', 'the token by the tokenId `token create` printed (`token list` shows them)').argParser(uuid).conflicts('user'))
    .option('--user <userId>', 'every token of this user', uuid).option(...JSON_OPTION)
    .action(adminAction<{ token?: string; id?: string; user?: string; json?: boolean }>(async ({ sql }, o) => {
      if (o.token !== undefined) return revokePimTokens(sql, { token: o.token === '-' ? await firstLineOfStdin('--token', 'a token') : o.token });
      if (o.id !== undefined) return revokePimTokens(sql, { tokenId: o.id });
      if (o.user !== undefined) return revokePimTokens(sql, { userId: o.user });
      throw new Error('say which token: --token <token> (or - to read it from stdin), --id <tokenId> or --user <userId>');
    }));
}
