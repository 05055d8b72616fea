import { Option, type Command } from 'commander';
import { adminAction } from './context.js';
import { JSON_OPTION, wholeNumber } from './option-values.js';
import { retryFailedBatch } from '../batches/batch-failure.js';
import { listBatches } from '../batches/batch-list.js';
import type { BatchStatus } from '../batches/batch-store.js';

const STATUSES = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED'];

/** `omni admin batch …`: partner batches that need an operator. */
export function registerBatchAdmin(admin: Command) {
  const batch = admin.command('batch').description('partner batches');
  batch.command('list')
    .description("a store's batches, newest accepted first, with their counts; retryable: rows failed BAT_003, which `batch retry` runs again")
    .requiredOption('--store <storeClientId>', 'the store, by its storeClientId (str_…)')
    .addOption(new Option('--status <status>', 'only batches in this status (FAILED: given up on, or no row succeeded)').choices(STATUSES))
    .option('--limit <n>', 'how many (at most 100)', wholeNumber, 20).option(...JSON_OPTION)
    .action(adminAction<{ store: string; status?: BatchStatus; limit: number; json?: boolean }>(async ({ sql }, o) => {
      const [store] = await sql<{ id: string }[]>`select id from stores where client_id = ${o.store}`;
      if (!store) throw new Error(`no store with client id ${o.store}`);
      const { items } = await listBatches(sql, store.id, { status: o.status }, 1, Math.min(Math.max(o.limit, 1), 100));
      const failed = items.filter((b) => b.status === 'FAILED').map((b) => b.batchId);
      const retryable = new Map((failed.length ? await sql<{ id: string; rows: number }[]>`
        select id, (select count(*)::int from jsonb_array_elements(b.outcomes) x where x->>'code' = 'BAT_003') as rows
        from batches b where store_id = ${store.id} and id = any(${failed})` : []).map((r) => [r.id, r.rows]));
      return { batches: items.map((b) => ({ batchId: b.batchId, kind: b.kind, status: b.status, ...b.summary,
        retryable: retryable.get(b.batchId) ?? 0, createdAt: b.createdAt, completedAt: b.completedAt })) };
    }));
  batch.command('retry')
    .description('run again a batch given up on: its rows failed BAT_003 go back to pending and its job is enqueued')
    .requiredOption('--batch <batchId>', 'the batch, by the batchId its request answered (pb_… or a uuid; `batch list` shows them)').option(...JSON_OPTION)
    .action(adminAction<{ batch: string; json?: boolean }>(({ sql }, o) => retryFailedBatch(sql, o.batch)));
}
