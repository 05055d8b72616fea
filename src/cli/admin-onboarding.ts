import type { Command } from 'commander';
import { adminAction } from './context.js';
import { createSeller } from '../onboarding/sellers.js';

/** `omni admin seller …`: store owners who sign in on the onboarding page. */
export function registerOnboardingAdmin(admin: Command) {
  admin.command('seller').description('store owners (onboarding sign-in)').command('create')
    .requiredOption('--email <email>').requiredOption('--password <password>').requiredOption('--store <storeClientId>').option('--json')
    .action(adminAction<{ email: string; password: string; store: string; json?: boolean }>(({ sql }, o) =>
      createSeller(sql, { email: o.email, password: o.password, storeClientId: o.store })));
}
