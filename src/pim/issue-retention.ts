import type { Sql } from '../db/database.js';
import { deleteInChunks } from '../db/chunked-delete.js';

/** How long a resolved validation issue is kept. */
export const RESOLVED_ISSUE_RETENTION_DAYS = 30;
const ISSUES_PER_STATEMENT = 5000;

/**
 * Deletes the validation issues resolved more than RESOLVED_ISSUE_RETENTION_DAYS ago, a few thousand
 * a statement (the hourly retention task): nothing reads a resolved issue, and they piled up with
 * every fix and every deleted product (retention QA). An open issue is never deleted.
 */
export async function purgeResolvedIssues(sql: Sql): Promise<number> {
  return deleteInChunks(sql, 'validation_issues',
    sql`resolved and resolved_at < now() - make_interval(days => ${RESOLVED_ISSUE_RETENTION_DAYS})`, ISSUES_PER_STATEMENT);
}
