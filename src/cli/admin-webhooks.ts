import type { Command } from 'commander';

/** `omni admin …` commands for webhook endpoints. */
export function registerWebhookAdmin(_admin: Command) {}
