import type postgres from 'postgres';
import type { Queryable } from './database.js';

/**
 * One page of a list and how many rows the list has in all, read by ONE statement, hence from one
 * snapshot: a count and then the page, two statements, let a commit between them make the total
 * disagree with the page (a total of 0 beside an issue on it).
 *
 * `count` (a query answering one row with an integer `total`) and `page` (ordered, with limit and
 * offset) keep plans of their own: the count reads an index, the page an ordered index scan that
 * stops at its limit. `count(*) over ()` on the page would read every matching row to its end
 * (and build each row's output), and a page past the end would have no row to carry it. Here the
 * count's single row is left-joined to the page, so a page past the end is one row with the total
 * and no page columns. With no join clause the join can only be a nested loop over that one row:
 * the page's rows come out in the page's order.
 */
export async function pageWithTotal<T extends Record<string, unknown>>(sql: Queryable, count: postgres.Fragment, page: postgres.Fragment): Promise<{ total: number; rows: T[] }> {
  const rows = await sql<({ _total: number; _on_page: boolean | null } & T)[]>`
    select c.total as _total, p.* from (${count}) c
    left join (select true as _on_page, q.* from (${page}) q) p on true`;
  return {
    total: rows[0]._total,
    rows: rows.filter((r) => r._on_page).map(({ _total, _on_page, ...row }) => row as unknown as T),
  };
}
