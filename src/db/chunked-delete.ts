import type { PendingQuery, Row } from 'postgres';
import type { Sql } from './database.js';

/**
 * Deletes the rows of `table` that `where` picks, `chunk` rows a statement (each its own
 * transaction: a backlog never holds one over millions of rows), and returns how many. `where`
 * names the table's columns unqualified; it is checked again on each row deleted, so that a row
 * another transaction changed meanwhile (a retention's candidate taken back into use) stays.
 */
export async function deleteInChunks(sql: Sql, table: string, where: PendingQuery<Row[]>, chunk: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const done = await sql`
      delete from ${sql(table)} where ctid = any(array(select ctid from ${sql(table)} where ${where} limit ${chunk})) and ${where}`;
    deleted += done.count;
    if (done.count < chunk) return deleted;
  }
}
