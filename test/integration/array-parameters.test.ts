import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error postgres.js publishes no types for its internal module
import { arraySerializer } from '../../node_modules/postgres/src/types.js';
import { connect } from '../../src/db/database.js';
import { testDatabaseUrl } from '../helpers/test-database.js';

/**
 * patches/postgres+3.4.9.patch: arrays of plain strings and numbers are serialised in one pass
 * (plainArray), others element by element as before. Whatever the path, PostgreSQL must read
 * back exactly the array sent: the elements that need escaping, nulls, empty strings, the word
 * NULL, spaces, braces and commas, non-ASCII, numbers.
 */
const sql = connect(testDatabaseUrl(), 1);
afterAll(() => sql.end());

const TRICKY = ['plain', '', 'NULL', 'null', ' spaced ', 'a,b', '{braced}', 'quote"d', 'back\\slash', '\\"', 'tab\there', 'line\nbreak', 'ünïcödé', '日本'];

describe('array parameters (postgres.js, patched)', () => {
  it('take the one-pass path for plain strings and numbers', () => {
    // The general path quotes every element too: the one-pass path answers the same text.
    const opts = { transform: {} };
    expect(arraySerializer(['a', 'b c', ''], undefined, opts, 1009)).toBe('{"a","b c",""}');
    expect(arraySerializer([1, 2.5, -3], (x: unknown) => `${x}`, opts, 1007)).toBe('{"1","2.5","-3"}');
    expect(arraySerializer(['x', 'y'], undefined, opts, 1020)).toBe('{"x";"y"}');
    expect(arraySerializer(['a"b', 'c\\d'], undefined, opts, 1009)).toBe('{"a\\"b","c\\\\d"}');
    expect(arraySerializer(['a', null], undefined, opts, 1009)).toBe('{"a",null}');
  });

  it('reach PostgreSQL as sent: text, with every kind of element', async () => {
    for (const values of [TRICKY, TRICKY.filter((v) => !/["\\]/.test(v)), [...TRICKY, null], ['only']]) {
      // Read back as JSON: postgres.js parses a text array's NULL as the string 'NULL'.
      const [row] = await sql<{ v: (string | null)[] }[]>`select to_json(${values}::text[]) as v`;
      expect(row.v).toEqual(values);
    }
  });

  it('reach PostgreSQL as sent: integers, numerics and uuids', async () => {
    const ints = Array.from({ length: 1000 }, (_, i) => i * 7 - 500);
    const uuids = ['00000000-0000-0000-0000-000000000001', 'f47ac10b-58cc-4372-a567-0e02b2c3d479'];
    const [row] = await sql<{ ints: number[]; sum: number; nums: string[]; uuids: string[] }[]>`
      select ${ints}::int[] as ints, (select sum(x)::int from unnest(${ints}::int[]) x) as sum,
        ${[1.5, 0.25, 100]}::numeric[]::text[] as nums, ${uuids}::uuid[] as uuids`;
    expect(row).toEqual({ ints, sum: ints.reduce((a, b) => a + b, 0), nums: ['1.5', '0.25', '100'], uuids });
  });

  it('reach PostgreSQL as sent through the serializer of the type PostgreSQL describes: jsonb, int8, box, nested, undefined', async () => {
    // jsonb[]: JSON.stringify per element; numbers take the one-pass path, strings (quoted by it) the general one.
    const [json] = await sql<{ n: unknown[]; s: unknown[]; mixed: unknown[] }[]>`
      select to_json(${[1, 2.5, -3]}::jsonb[]) as n, to_json(${['a', 'b"c', '']}::jsonb[]) as s, to_json(${[7, 'x']}::jsonb[]) as mixed`;
    expect(json).toEqual({ n: [1, 2.5, -3], s: ['a', 'b"c', ''], mixed: [7, 'x'] });
    // int8[] of numbers, through postgres.BigInt's serializer (database.ts); read back as bigints.
    const [big] = await sql<{ v: bigint[] }[]>`select ${[1, 9007199254740991, -2]}::int8[] as v`;
    expect(big.v).toEqual([1n, 9007199254740991n, -2n]);
    // box[]: ';' between elements, since a box's text holds commas.
    const [box] = await sql<{ n: number; second: string }[]>`
      select cardinality(b) as n, b[2]::text as second from (select ${['(1,2),(3,4)', '(0,0),(5,6)']}::box[] as b) x`;
    expect(box).toEqual({ n: 2, second: '(5,6),(0,0)' });
    // Nested: each inner array on its own path; undefined is transform.undefined (null).
    const [nested] = await sql<{ v: unknown }[]>`
      select to_json(${[['a', 'b"'], ['c', undefined as unknown as string]]}::text[][]) as v`;
    expect(nested.v).toEqual([['a', 'b"'], ['c', null]]);
  });

  it('reach PostgreSQL as sent in a prepared statement with unsafe()', async () => {
    const rows = await sql.unsafe<{ k: string; n: number }[]>(
      'select k, n from unnest($1::text[], $2::int[]) as u (k, n) order by n', [TRICKY, TRICKY.map((_, i) => i)], { prepare: true });
    expect(rows.map((r) => r.k)).toEqual(TRICKY);
  });
});
