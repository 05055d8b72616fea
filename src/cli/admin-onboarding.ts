import type { Command } from 'commander';

/** `omni admin …` commands for seller accounts for onboarding. */
export function registerOnboardingAdmin(_admin: Command) {}
