import type { Command } from 'commander';
import { adminAction } from './context.js';
import { retryFailedBatch } from '../batches/batch-failure.js';

/** `omni admin batch …`: partner batches that need an operator. */
export function registerBatchAdmin(admin: Command) {
  admin.command('batch').description('partner batches').command('retry')
    .description('run again a batch given up on: its rows failed BAT_003 go back to pending and its job is enqueued')
    .requiredOption('--batch <batchId>').option('--json')
    .action(adminAction<{ batch: string; json?: boolean }>(({ sql }, o) => retryFailedBatch(sql, o.batch)));
}
