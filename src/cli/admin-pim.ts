import type { Command } from 'commander';

/** `omni admin …` commands for PIM orgs, tenants, users and tokens. */
export function registerPimAdmin(_admin: Command) {}
