import type { Queryable } from '../db/database.js';
import { pageWithTotal } from '../db/page.js';
import { microsOf, pageAndCursor, timeCursor } from '../db/list-cursor.js';

/** The data-quality rules' codes (docs/data-quality.md; the rules themselves are SQL: evaluate_quality). */
export const VALIDATION_ISSUE_CODES = ['MISSING_DESCRIPTION', 'MISSING_PHOTOS', 'INVALID_BARCODE', 'SPECIAL_PRICE_NOT_BELOW_PRICE', 'DUPLICATE_SKU', 'LOW_QUALITY_SCORE'] as const;

/** Which open issues a list holds: by severity (the ERRORs that block an export), rule, or product. */
export interface IssueFilter { severity?: 'WARNING' | 'ERROR'; code?: string; productId?: string }

/** The issue list's cursor: the page's last issue's creation time and id, the list's order (db/list-cursor.ts). */
const issuesCursor = timeCursor('validation-issues');

/**
 * A page of the tenant's open issues, most recent first, with how many match in all and the
 * cursor of the page's end: an issue resolved while a reader pages through by `page` moved the
 * ones after it up a place, and the next page skipped one.
 */
export async function listValidationIssues(sql: Queryable, storeId: string, q: { page: number; limit: number; after?: string }, filter: IssueFilter = {}) {
  const key = q.after === undefined ? undefined : issuesCursor.decode(q.after, q.page);
  const matching = sql`store_id = ${storeId} and not resolved
    ${filter.severity ? sql`and severity = ${filter.severity}` : sql``}
    ${filter.code ? sql`and code = ${filter.code}` : sql``}
    ${filter.productId ? sql`and product_id = ${filter.productId}::uuid` : sql``}`;
  const { total, rows } = await pageWithTotal<any>(sql,
    sql`select count(*)::int as total from validation_issues where ${matching}`,
    sql`select id, code, severity, product_id, message, resolved, created_at, ${microsOf(sql, sql`created_at`)} as created_micros from validation_issues
        where ${matching} ${issuesCursor.after(sql, key, sql`created_at`, sql`id`)}
        order by created_at desc, id desc limit ${q.limit + 1} offset ${key ? 0 : (q.page - 1) * q.limit}`);
  const { page, nextCursor } = pageAndCursor(rows, q.limit, (last) => issuesCursor.encode({ micros: last.created_micros, id: last.id }));
  return { total, items: page.map(({ created_micros, ...r }) => ({ ...r, created_at: r.created_at.toISOString() })), nextCursor };
}

/** The tenant's 100 most recent audit events, from either API (actor_email for PIM users). */
export async function listAudit(sql: Queryable, storeId: string) {
  const rows = await sql<any[]>`
    select id, actor, actor_type, action, resource_type, resource_id, changes, request_id, ip_address, created_at
    from audit_events where store_id = ${storeId} order by id desc limit 100`;
  return rows.map((r) => ({
    id: String(r.id), actor_email: r.actor_type === 'user' ? r.actor : null, actor: r.actor, actor_type: r.actor_type, action: r.action,
    resource_type: r.resource_type, resource_id: r.resource_id, details: r.changes, request_id: r.request_id, ip_address: r.ip_address,
    created_at: r.created_at.toISOString(),
  }));
}
