import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { AppError } from '../../../errors/app-error.js';
import { pendingMigrations } from '../../../db/migrate.js';
import { answeredWithin } from '../../../db/unavailable.js';
import { readOnlyReason } from '../../../db/writable.js';
import { Envelope, ok } from '../../envelope.js';
import { anyRoute, databaseRoute, errorResponsesFor } from '../../error-responses.js';

const Health = Envelope(Type.Object({ status: Type.Literal('ok') }));
const Ready = Envelope(Type.Object({ status: Type.Literal('ready'), database: Type.Literal('ok'), migrations: Type.Integer({ description: 'the migrations applied (the files of migrations/ the database has run)' }) }));

export async function healthRoutes(app: FastifyInstance, { sql }: AppDeps) {
  /** Liveness: the process answers. */
  app.get('/health', { schema: { tags: ['ops'], summary: 'Liveness: the process answers', response: { 200: Health }, errors: errorResponsesFor(anyRoute) } }, async (_req, reply) => ok(reply, 'OK', { status: 'ok' as const }));

  /** Readiness: the database answers, takes writes, and the schema is migrated. */
  app.get('/ready', { schema: { tags: ['ops'], summary: 'Readiness: the database answers, takes writes, and its schema is migrated (SYS_002 otherwise)', response: { 200: Ready }, errors: errorResponsesFor(databaseRoute) } }, async (_req, reply) => {
    try {
      // The migrations applied, as the files count them: postgrator's own row, version 0, is none
      // (it read one more than migrations/ holds: upgrade QA).
      const [[row], pending, readOnly] = await answeredWithin(Promise.all([
        sql<{ n: number }[]>`select count(*)::int as n from schemaversion where version > 0`, pendingMigrations(sql), readOnlyReason(sql)]));
      if (pending) {
        throw new AppError('SYS_002', { reason: `migrations pending: the database is at ${pending.database}, this build's go to ${pending.build} (omni migrate)` });
      }
      // A standby, or read-only sessions: every write would fail (it answered ready; DBA-settings QA).
      if (readOnly) throw new AppError('SYS_002', { reason: `the database takes no writes: ${readOnly}` });
      return ok(reply, 'Ready', { status: 'ready' as const, database: 'ok' as const, migrations: row.n });
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('SYS_002', { reason: (err as Error).message });
    }
  });
}
