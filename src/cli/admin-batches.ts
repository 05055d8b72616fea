import { Option, type Command } from 'commander';
import { adminAction } from './context.js';
import { JSON_OPTION, wholeNumber } from './option-values.js';
import { retryFailedBatch } from '../batches/batch-failure.js';

const STATUSES = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED'];

/** `omni admin batch …`: partner batches that need an operator. */
export function registerBatchAdmin(admin: Command) {
  const batch = admin.command('batch').description('partner batches');
  batch.command('list')
    .description("a store's batches, newest first, with their counts; retryable: rows failed BAT_003, which `batch retry` runs again")
    .requiredOption('--store <storeClientId>', 'the store, by its storeClientId (str_…)')
    .addOption(new Option('--status <status>', 'only batches in this status (FAILED: given up on, or no row succeeded)').choices(STATUSES))
    .option('--limit <n>', 'how many (at most 100)', wholeNumber, 20).option(...JSON_OPTION)
    .action(adminAction<{ store: string; status?: string; limit: number; json?: boolean }>(async ({ sql }, o) => {
      const [store] = await sql<{ id: string }[]>`select id from stores where client_id = ${o.store}`;
      if (!store) throw new Error(`no store with client id ${o.store}`);
      const batches = await sql`
        select b.id as "batchId", b.kind, b.status, b.total, b.succeeded, b.failed, b.pending,
          case when b.status = 'FAILED' then (select count(*)::int from jsonb_array_elements(b.outcomes) x where x->>'code' = 'BAT_003') else 0 end as retryable,
          b.created_at as "createdAt", b.completed_at as "completedAt"
        from batches b where b.store_id = ${store.id} ${o.status ? sql`and b.status = ${o.status}` : sql``}
        order by b.created_at desc, b.id limit ${Math.min(Math.max(o.limit, 1), 100)}`;
      return { batches };
    }));
  batch.command('retry')
    .description('run again a batch given up on: its rows failed BAT_003 go back to pending and its job is enqueued')
    .requiredOption('--batch <batchId>', 'the batch, by the batchId its request answered (pb_… or a uuid; `batch list` shows them)').option(...JSON_OPTION)
    .action(adminAction<{ batch: string; json?: boolean }>(({ sql }, o) => retryFailedBatch(sql, o.batch)));
}
