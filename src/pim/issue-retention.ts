import type { Sql } from '../db/database.js';

/** How long a resolved validation issue is kept. */
export const RESOLVED_ISSUE_RETENTION_DAYS = 30;
const ISSUES_PER_STATEMENT = 5000;

/**
 * Deletes the validation issues resolved more than RESOLVED_ISSUE_RETENTION_DAYS ago, a few thousand
 * a statement (the hourly retention task): nothing reads a resolved issue, and they piled up with
 * every fix and every deleted product (retention QA). An open issue is never deleted.
 */
export async function purgeResolvedIssues(sql: Sql): Promise<number> {
  let deleted = 0;
  for (;;) {
    const done = await sql`
      delete from validation_issues i where i.ctid = any(array(
        select ctid from validation_issues
        where resolved and resolved_at < now() - make_interval(days => ${RESOLVED_ISSUE_RETENTION_DAYS})
        limit ${ISSUES_PER_STATEMENT}))
        and i.resolved`;
    deleted += done.count;
    if (done.count < ISSUES_PER_STATEMENT) return deleted;
  }
}
