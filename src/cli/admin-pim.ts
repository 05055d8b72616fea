import type { Command } from 'commander';
import { adminAction } from './context.js';
import { createOrg, createPimToken, createPimUser, createTenant, revokePimToken } from '../pim/pim-auth.js';

/** `omni admin org|tenant|user|token …`: PIM organizations, their tenants (stores), users and tokens. */
export function registerPimAdmin(admin: Command) {
  admin.command('org').description('PIM organizations').command('create').requiredOption('--name <name>').option('--json')
    .action(adminAction<{ name: string; json?: boolean }>(({ sql }, o) => createOrg(sql, o.name)));
  admin.command('tenant').description('PIM tenants: one store catalog each').command('create')
    .requiredOption('--org <orgId>').requiredOption('--store <storeClientId>').option('--name <name>').option('--notify-email <email>').option('--json')
    .action(adminAction<{ org: string; store: string; name?: string; notifyEmail?: string; json?: boolean }>(({ sql }, o) =>
      createTenant(sql, { orgId: o.org, storeClientId: o.store, name: o.name, notifyEmail: o.notifyEmail })));
  admin.command('user').description('PIM users').command('create').requiredOption('--org <orgId>').requiredOption('--email <email>').option('--json')
    .action(adminAction<{ org: string; email: string; json?: boolean }>(({ sql }, o) => createPimUser(sql, o.org, o.email)));
  const token = admin.command('token').description('PIM bearer tokens');
  token.command('create').requiredOption('--user <userId>').option('--json')
    .action(adminAction<{ user: string; json?: boolean }>(({ sql }, o) => createPimToken(sql, o.user)));
  token.command('revoke').requiredOption('--token <token>').option('--json')
    .action(adminAction<{ token: string; json?: boolean }>(({ sql }, o) => revokePimToken(sql, o.token)));
}
