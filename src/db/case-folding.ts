import type { Queryable } from './database.js';

/**
 * What `omni serve` logs at start when the database folds only ASCII letters to another case:
 * `q=` (ILIKE) and the DUPLICATE_SKU rule (lower()) follow the database's default collation, and
 * under a libc `C` or `POSIX` ctype (a database created without a locale, or by an initdb run
 * where LANG was unset) "ÄPFEL" neither matches `q=äpfel` nor clashes with "äpfel", with nothing
 * said (Unicode QA). Asked of the database by what it does, not by the locale's name: an ICU or
 * builtin default, or a libc UTF-8 ctype, folds; each server's own answer is the one that counts.
 */
export async function caseFoldingWarning(sql: Queryable): Promise<string | undefined> {
  const [{ folds, ctype }] = await sql<{ folds: boolean; ctype: string }[]>`
    select lower('ÄΩЖ') = 'äωж' as folds, (select datctype from pg_database where datname = current_database()) as ctype`;
  return folds ? undefined
    : `the database folds only ASCII letters to another case (its ctype is ${ctype}): \`q=\` searches and the DUPLICATE_SKU rule will not match `
      + 'non-ASCII letters of another case ("ÄPFEL" and "äpfel"); create the database with a UTF-8 locale '
      + '(`createdb -E UTF8 -T template0 --locale=C.UTF-8 …`, or on PostgreSQL 17 and later `--locale-provider=builtin --builtin-locale=C.UTF-8`)';
}
