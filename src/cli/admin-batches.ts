import type { Command } from 'commander';
import { adminAction } from './context.js';
import { JSON_OPTION } from './option-values.js';
import { retryFailedBatch } from '../batches/batch-failure.js';

/** `omni admin batch …`: partner batches that need an operator. */
export function registerBatchAdmin(admin: Command) {
  admin.command('batch').description('partner batches').command('retry')
    .description('run again a batch given up on: its rows failed BAT_003 go back to pending and its job is enqueued')
    .requiredOption('--batch <batchId>', 'the batch, by the batchId its request answered (pb_… or a uuid)').option(...JSON_OPTION)
    .action(adminAction<{ batch: string; json?: boolean }>(({ sql }, o) => retryFailedBatch(sql, o.batch)));
}
