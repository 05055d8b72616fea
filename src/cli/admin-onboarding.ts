import type { Command } from 'commander';
import { adminAction } from './context.js';
import { JSON_OPTION, anId, email, passwordProblem } from './option-values.js';
import { MIN_PASSWORD_LENGTH } from '../onboarding/sellers.js';
import { firstLineOfStdin } from './stdin.js';
import { createSeller } from '../onboarding/sellers.js';

/** `omni admin seller …`: store owners who sign in on the onboarding page. */
export function registerOnboardingAdmin(admin: Command) {
  admin.command('seller').description('store owners (onboarding sign-in)').command('create')
    .description('create the owner of a store, who signs in on the onboarding page to authorize a partner')
    .requiredOption('--email <email>', 'sign-in email, unique', email)
    .requiredOption('--password <password>', `sign-in password, at least ${MIN_PASSWORD_LENGTH} characters; - reads it from stdin (never on the command line, where ps shows it)`)
    .requiredOption('--store <storeClientId>', 'the store, by its storeClientId (str_…)', anId).option(...JSON_OPTION)
    // Checked here rather than by an option parser, whose refusal repeats the value it refuses: a
    // password, on the terminal and in whatever collects stderr. Still before the database is opened.
    .hook('preAction', async (cmd) => {
      const given = cmd.opts<{ password: string }>().password;
      // From stdin as `token revoke --token -` takes a token (QA: a password could only be given on the command line).
      const password = given === '-' ? await firstLineOfStdin('--password', 'a password') : given;
      const problem = passwordProblem(password);
      if (problem) cmd.error(`error: option '--password <password>' is invalid (not repeated here): ${problem}`, { code: 'commander.invalidArgument' });
      cmd.setOptionValue('password', password);
    })
    .action(adminAction<{ email: string; password: string; store: string; json?: boolean }>(({ sql }, o) =>
      createSeller(sql, { email: o.email, password: o.password, storeClientId: o.store })));
}
