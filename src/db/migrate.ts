import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from './database.js';
import { queueConnection } from './tls.js';
import { QUEUE_SCHEMA } from '../jobs/enqueue.js';
import { readOnlyReason } from './writable.js';
import { sessionSettingProblems } from './session-settings.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
const MIGRATIONS_GLOB = join(MIGRATIONS_DIR, '*.sql');
/** graphile-worker's own migrations (sql/000001.sql …): their highest number is its schema's version. */
const QUEUE_MIGRATIONS_DIR = join(dirname(createRequire(import.meta.url).resolve('graphile-worker/package.json')), 'sql');
/** Any fixed number: serialises concurrent starts of several API/worker processes. */
export const MIGRATION_LOCK = 727_001;
/** How often a start that finds another migrating tries the lock again. */
const MIGRATION_LOCK_RETRY_MS = 100;

/**
 * The migration lock, tried until it is ours rather than waited for in one statement: a statement
 * waiting for it keeps a snapshot, which a CREATE INDEX CONCURRENTLY of the migrating process
 * waits for in turn (0152): two processes starting at once deadlocked, and the waiting one's
 * start failed ("deadlock detected").
 */
async function takeMigrationLock(conn: { unsafe: Sql['unsafe'] }, onWaiting?: () => void): Promise<void> {
  for (let tries = 0; ; tries++) {
    const [{ locked }] = await conn.unsafe<{ locked: boolean }[]>(`select pg_try_advisory_lock(${MIGRATION_LOCK}) as locked`);
    if (locked) return;
    // Said once: a start waiting here for another process's migrations said nothing (QA: 28 s).
    if (tries === 0) onWaiting?.();
    await new Promise((resolve) => setTimeout(resolve, MIGRATION_LOCK_RETRY_MS));
  }
}

const highestNumber = (dir: string) => Math.max(...readdirSync(dir).map((f) => Number(/^(\d+)\./.exec(f)?.[1] ?? -1)));
/** The highest migration this build has (read once: the files do not change while it runs). */
let highestMigration: number | undefined;
const ourHighest = () => (highestMigration ??= highestNumber(MIGRATIONS_DIR));

/**
 * Whether both schemas are at the versions of the files at hand: postgrator migrates up to its
 * highest file number, graphile-worker to its own, so equal versions leave them nothing to do.
 * Every `omni admin` command and every process start checks: loading postgrator and
 * graphile-worker and running both (graphile-worker opens a pool of its own) to find nothing to
 * do cost each CLI command a part of its time; with this check and undici loaded lazily
 * (webhooks/private-targets.ts), `omni admin partner list` went 0.65-0.77 → 0.54-0.64 s (three
 * runs each, compiled, on this 2-core VM).
 */
async function schemaIsCurrent(conn: Pick<Sql, 'unsafe'>): Promise<boolean> {
  try {
    const [row] = await conn.unsafe<{ ours: number | null; queue: number | null }[]>(
      'select (select max(version)::int from schemaversion) as ours, (select max(id)::int from graphile_worker.migrations) as queue');
    return row.ours === ourHighest() && row.queue === highestNumber(QUEUE_MIGRATIONS_DIR);
  } catch {
    return false; // a database never migrated: no such tables yet
  }
}

/**
 * The migrations this build has that the database has not run: none when its schema is at or past
 * this build's (a process older than the last deploy's migrations still serves). /ready is not
 * ready while any is pending (it counted the rows applied, and said ready on a database restored
 * from an older backup; QA).
 */
export async function pendingMigrations(conn: Pick<Sql, 'unsafe'>): Promise<{ database: number; build: number } | undefined> {
  const [row] = await conn.unsafe<{ ours: number | null }[]>('select max(version)::int as ours from schemaversion');
  const build = ourHighest();
  return (row.ours ?? 0) < build ? { database: row.ours ?? 0, build } : undefined;
}
/**
 * The database must store text as UTF-8: partners send names and SKUs in any script, and the
 * migrations write characters past ASCII (0136's whitespace, E'\\u00a0'), which a LATIN1 or
 * SQL_ASCII database refuses half-way through the schema (review). Said before anything is done.
 */
export async function assertUtf8(sql: Pick<Sql, 'unsafe'>) {
  const [{ encoding }] = await sql.unsafe<{ encoding: string }[]>('select pg_encoding_to_char(encoding) as encoding from pg_database where datname = current_database()');
  if (encoding !== 'UTF8') {
    throw new Error(`the database's encoding is ${encoding}: Omni needs UTF8 (create it with \`createdb -E UTF8 -T template0 …\` or \`create database … encoding 'UTF8' template template0\`)`);
  }
}

/**
 * The indexes our migrations build concurrently (`create index concurrently NAME`), read once: a
 * bare lower-case name, as every such migration writes it (a quoted, upper-case or schema-qualified
 * name would be missed: write them so).
 */
let concurrentIndexes: string[] | undefined;
const concurrentIndexNames = () => (concurrentIndexes ??= readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).flatMap((f) =>
  [...readFileSync(join(MIGRATIONS_DIR, f), 'utf8').matchAll(/create\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?(\w+)/gi)].map((m) => m[1])));

/**
 * Drops what a concurrent index build of ours left INVALID: a build cancelled (a process of an
 * older build, waiting for the migration lock in one statement, deadlocked with it: QA) leaves its
 * index and its migration unrecorded, and every start after stopped on "already exists". Run with
 * the migration lock held: no build of ours is in progress then, and an INVALID index is no use
 * to any query. The migration then builds it again.
 */
async function dropInvalidConcurrentIndexes(conn: Pick<Sql, 'unsafe'>): Promise<void> {
  // The schema by its name (current_schema()::regnamespace read "OmniQA" as omniqa and failed: review).
  const invalid = await conn.unsafe<{ name: string }[]>(`select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
    where not i.indisvalid and n.nspname = current_schema() and c.relname = any($1::text[])`, [concurrentIndexNames() as any]);
  for (const { name } of invalid) await conn.unsafe(`drop index concurrently if exists ${name}`);
}

/**
 * A migration refused for the role's privileges (42501, "permission denied for schema public"):
 * said as what it is, the database behind this build and a role that may not bring it forward,
 * and what to do (least-privilege QA: a runtime role of DML grants met pending migrations).
 */
function withoutPrivilege(err: unknown): unknown {
  if ((err as { code?: unknown } | null)?.code !== '42501') return err;
  return Object.assign(new Error(`the database needs this build's migrations, and the role of DATABASE_URL may not apply them (${(err as Error).message}): `
    + 'run `omni migrate` as the role that owns the database (README, Database roles)'), { code: '42501', cause: err });
}

/** `onWaiting`: called once when another process holds the migration lock (it is migrating). */
export async function migrate(sql: Sql, connectionString: string, onWaiting?: () => void): Promise<string[]> {
  // Every start and command comes here first: a database that takes no writes is told now.
  const readOnly = await readOnlyReason(sql);
  if (readOnly) throw new Error(`the database takes no writes: ${readOnly}`);
  const settings = await sessionSettingProblems(sql);
  if (settings.length > 0) throw new Error(`the database's session settings: ${settings.join('; ')}`);
  if (await schemaIsCurrent(sql)) return [];
  await assertUtf8(sql);
  // Loaded only when there is something to migrate (see schemaIsCurrent).
  const [{ default: Postgrator }, { runMigrations: runWorkerMigrations }] = await Promise.all([import('postgrator'), import('graphile-worker')]);
  const conn = await sql.reserve();
  try {
    await takeMigrationLock(conn, onWaiting);
    const postgrator = new Postgrator({
      migrationPattern: MIGRATIONS_GLOB,
      driver: 'pg',
      schemaTable: 'schemaversion',
      execQuery: async (query: string) => ({ rows: await conn.unsafe(query) }),
    });
    await dropInvalidConcurrentIndexes(conn);
    // The queue's schema first: our migrations use it (e.g. webhook fan-out enqueues jobs).
    // Through a pool of the queue's driver given the URL's TLS as libpq reads it (tls.ts): from the
    // URL alone, pg took sslmode=require for verify-full.
    const pgPool = new (await import('pg')).default.Pool({ ...(await queueConnection(connectionString)), max: 1 });
    // Errors of its idle connections, and of each connection (graphile-worker warns on stderr of a pool without both).
    pgPool.on('error', () => {});
    pgPool.on('connect', (client) => client.on('error', () => {}));
    try {
      await runWorkerMigrations({ pgPool, logger: undefined, schema: QUEUE_SCHEMA });
    } finally {
      await pgPool.end();
    }
    const applied = await postgrator.migrate();
    return applied.map((m) => basename(m.filename));
  } catch (err) {
    throw withoutPrivilege(err);
  } finally {
    await conn`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
    conn.release();
  }
}
