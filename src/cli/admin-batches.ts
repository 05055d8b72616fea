import { Option, type Command } from 'commander';
import { adminAction } from './context.js';
import { JSON_OPTION, anId, listLimit } from './option-values.js';
import { partnerId } from './admin-webhooks.js';
import { storeIdOf } from '../stores/stores.js';
import { retryFailedBatch } from '../batches/batch-failure.js';
import { listBatchesInScope } from '../batches/batch-list.js';
import { BATCH_KINDS, type BatchKind, type BatchStatus } from '../batches/batch-store.js';

const STATUSES = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED'];

/** `omni admin batch …`: partner batches that need an operator. */
export function registerBatchAdmin(admin: Command) {
  const batch = admin.command('batch').description('partner batches');
  batch.command('list')
    .description('batches of a store, the batches a partner sent, or (neither option) those of every store, newest accepted first, with their counts; '
      + 'retryable: rows failed BAT_003, which `batch retry` runs again')
    .addOption(new Option('--store <storeClientId>', 'one store, by its storeClientId (str_…)').argParser(anId).conflicts('partner'))
    .option('--partner <partnerClientId>', 'the batches one partner sent, by its partnerClientId (ptnr_…), to the stores it operates or did; the list names each batch\'s store', anId)
    .addOption(new Option('--status <status>', 'only batches in this status (FAILED: given up on, or no row succeeded)').choices(STATUSES))
    .addOption(new Option('--kind <kind>', 'only batches of this kind').choices(BATCH_KINDS))
    .option('--limit <n>', 'how many, 1 to 100', listLimit, 20).option(...JSON_OPTION)
    .action(adminAction<{ store?: string; partner?: string; status?: BatchStatus; kind?: BatchKind; limit: number; json?: boolean }>(async ({ sql }, o) => {
      const storeId = o.store ? await storeIdOf(sql, o.store) : undefined;
      const scope = { storeId, partnerId: o.partner ? await partnerId(sql, o.partner) : undefined };
      const rows = await listBatchesInScope(sql, scope, { status: o.status, kind: o.kind }, o.limit);
      // One store's list leaves out the store it names.
      return { batches: storeId ? rows.map(({ storeClientId: _, ...b }) => b) : rows };
    }));
  batch.command('retry')
    .description('run again a batch given up on: its rows failed BAT_003 go back to pending and its job is enqueued')
    .requiredOption('--batch <batchId>', 'the batch, by the batchId its request answered (pb_… or a uuid; `batch list` shows them)', anId).option(...JSON_OPTION)
    .action(adminAction<{ batch: string; json?: boolean }>(({ sql }, o) => retryFailedBatch(sql, o.batch)));
}
