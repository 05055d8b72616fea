import { Gauge } from 'prom-client';
import type { FastifyBaseLogger } from 'fastify';
import type { Sql } from '../../db/database.js';
import type { WorkerState } from '../../jobs/worker.js';
import { BATCH_KINDS } from '../../batches/batch-store.js';
import { answeredWithin } from '../../db/unavailable.js';

/**
 * waiting: due, but behind another job of its named queue (running, or ahead of it: a failing or
 * slow webhook receiver's deliveries, one at a time): not a job a free slot could take, so not
 * counted queued, nor in the oldest queued job's age (one partner's dead receiver read as workers
 * behind).
 */
const JOB_STATES = ['queued', 'waiting', 'scheduled', 'running', 'failed'] as const;

/**
 * The work in flight, as gauges on /metrics, read from PostgreSQL at each scrape: the queue,
 * the batches and PIM bulk jobs not yet ended, the webhook deliveries pending and the endpoints
 * failing. Read from the
 * database, they count the work of every API and worker process sharing it (a worker has no
 * HTTP port), and any API process's /metrics answers for the whole cluster. Each query reads
 * an index of unfinished rows (0091, 0097) or graphile-worker's live jobs, never a history.
 *
 * Registered after fastify-metrics, whose clearRegisterOnInit empties the registry.
 */
export function registerWorkMetrics(sql: Sql, log: FastifyBaseLogger, tasks: readonly string[] = []) {
  // One scrape reads everything once: every gauge's collect() joins the same read.
  let reading: Promise<void> | undefined;
  const collect = () => (reading ??= readAll().finally(() => { setImmediate(() => { reading = undefined; }); }));
  const databaseUp = new Gauge({ collect, name: 'omni_work_metrics_database_up', help: '1 if the last scrape read the work metrics from PostgreSQL, 0 if it could not' });
  const jobs = new Gauge({ collect, name: 'omni_jobs', help: 'Jobs in the queue by task and state (queued: ready to run; waiting: due, behind a running job of its named queue; scheduled: waiting for its run_at, e.g. a retry; running; failed: out of attempts)', labelNames: ['task', 'state'] });
  const oldest = new Gauge({ collect, name: 'omni_jobs_oldest_queued_seconds', help: 'How long the oldest job ready to run has waited (0: none): the queue is behind when this grows' });
  const batches = new Gauge({ collect, name: 'omni_batches_unfinished', help: 'Partner batches not yet ended, by kind', labelNames: ['kind'] });
  const rows = new Gauge({ collect, name: 'omni_batch_rows_pending', help: 'Rows of unfinished partner batches not yet processed' });
  const bulkJobs = new Gauge({ collect, name: 'omni_pim_bulk_jobs_unfinished', help: 'PIM bulk jobs pending or processing' });
  const deliveries = new Gauge({ collect, name: 'omni_webhook_deliveries_unfinished', help: 'Webhook deliveries not yet ended, by status (PENDING, RETRYING)', labelNames: ['status'] });
  const failingEndpoints = new Gauge({ collect, name: 'omni_webhook_endpoints_failing',
    help: 'Enabled webhook endpoints whose attempts have failed since their last success (their deliveries go one at a time; Omni disables one failing WEBHOOK_DISABLE_AFTER_FAILING_HOURS)' });
  async function readAll() {
    try {
      const [queue, unfinished, [bulk], pending, [failing]] = await answeredWithin(Promise.all([
        // With each group's oldest due time: the queued ones' is the oldest queued job's age.
        // A job of a named queue is queued only at its head, the queue free (a worker would take it
        // next, in graphile-worker's order): the others wait behind it. They were counted queued
        // whenever no job of the queue ran at the scrape, which a receiver failing fast leaves free
        // most of the time (QA: 492 queued, the oldest's age growing for a queue run one at a time as
        // designed). Nor does a named queue's head age the oldest queued job: it waited behind its
        // queue, not for a worker.
        sql<{ task: string; state: string; n: number; waited: number | null }[]>`
          select t.identifier as task,
            case when j.locked_at is not null then 'running' when j.attempts >= j.max_attempts then 'failed'
                 when j.run_at > now() then 'scheduled' when j.job_queue_id is not null and (q.locked_at is not null or j.id <> h.id) then 'waiting'
                 else 'queued' end as state, count(*)::int as n,
            -- Since it was due, or since it was added when later: a summary event's delivery is queued due
            -- minutes early (webhooks/event-types.ts), not waiting since.
            extract(epoch from now() - min(greatest(j.run_at, j.created_at)) filter (where j.job_queue_id is null))::float8 as waited
          from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
            left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
            -- Each named queue's head: its due job a worker takes first. Only the due jobs of named
            -- queues are sorted (numbering every job took 2.7-3.1 s against 0.7-0.9 for a million: review).
            left join (select distinct on (h.job_queue_id) h.job_queue_id, h.id from graphile_worker._private_jobs h
                       where h.job_queue_id is not null and h.locked_at is null and h.attempts < h.max_attempts and h.run_at <= now()
                       order by h.job_queue_id, h.priority, h.run_at, h.id) h on h.job_queue_id = j.job_queue_id
          group by 1, 2`,
        sql<{ kind: string; n: number; pending: number }[]>`
          select kind, count(*)::int as n, coalesce(sum(pending), 0)::int as pending from batches where completed_at is null group by kind`,
        sql<{ n: number }[]>`select count(*)::int as n from bulk_jobs where status in ('PENDING', 'PROCESSING')`,
        sql<{ status: string; n: number }[]>`
          select status, count(*)::int as n from webhook_deliveries where status in ('PENDING', 'RETRYING') group by status`,
        sql<{ n: number }[]>`select count(*)::int as n from webhook_endpoints where enabled and failing_since is not null`,
      ]));
      // Every task and batch kind has its samples, 0 when idle: a series that appears only with
      // work cannot be told from one that was never scraped, and rate() and alerts miss its start.
      jobs.reset();
      for (const task of tasks) for (const state of JOB_STATES) jobs.set({ task, state }, 0);
      for (const j of queue) jobs.set({ task: j.task, state: j.state }, j.n);
      oldest.set(Math.max(0, ...queue.filter((j) => j.state === 'queued' && j.waited !== null).map((j) => j.waited!)));
      batches.reset();
      for (const kind of BATCH_KINDS) batches.set({ kind }, 0);
      for (const b of unfinished) batches.set({ kind: b.kind }, b.n);
      rows.set(unfinished.reduce((sum, b) => sum + b.pending, 0));
      bulkJobs.set(bulk.n);
      deliveries.reset();
      for (const status of ['PENDING', 'RETRYING']) deliveries.set({ status }, pending.find((d) => d.status === status)?.n ?? 0);
      failingEndpoints.set(failing.n);
      databaseUp.set(1);
    } catch (err) {
      // The scrape still answers (the HTTP metrics matter most when the database is away).
      log.warn({ err }, 'work metrics: could not read PostgreSQL');
      databaseUp.set(0);
      // Unknown, not 0 and not the last read: an alert on a backlog must not resolve because the
      // database went away (alert on omni_work_metrics_database_up too). The labelled gauges have
      // no samples; an unlabelled one always has one, NaN here.
      for (const gauge of [jobs, batches, deliveries]) gauge.reset();
      for (const gauge of [oldest, rows, bulkJobs, failingEndpoints]) gauge.set(Number.NaN);
    }
  }
}

/**
 * The state of the job worker running in this process (`omni serve`; an `omni worker` has no
 * port, and logs the start and end of an outage instead): whether it reaches the database, and
 * for how long it has not (it gives up at WORKER_MAX_OUTAGE_MS).
 */
export function registerWorkerMetrics(worker: WorkerState) {
  new Gauge({
    name: 'omni_worker_database_up', help: '1 while this process\'s job worker reaches the database, 0 while it waits for it',
    collect() { this.set(worker.databaseDownSince === null ? 1 : 0); },
  });
  new Gauge({
    name: 'omni_worker_database_down_seconds', help: 'How long this process\'s job worker has been unable to reach the database (0: it can); it exits at WORKER_MAX_OUTAGE_MS',
    collect() { const since = worker.databaseDownSince; this.set(since === null ? 0 : (Date.now() - since) / 1000); },
  });
}
