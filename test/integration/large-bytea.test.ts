import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/database.js';
import { testDatabaseUrl } from '../helpers/test-database.js';

/**
 * patches/postgres+3.4.9.patch: a byte array of 64 KB or more goes into its Bind message as
 * it is (a piece of its own, written to the socket after the message's head) instead of being
 * copied into the message four times over (a 1.2 MB request body on every catalog accept). What
 * the server receives must be the same bytes, beside text and small binary parameters, on a
 * statement's first (described) and later (prepared) executions, an unnamed one's, and pipelined.
 */
const sql = connect(testDatabaseUrl(), 2);
afterAll(() => sql.end());

const bytes = (length: number, seed: number) => {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
};
const md5 = async (b: Buffer) => (await import('node:crypto')).createHash('md5').update(b).digest('hex');

describe('large byte arrays as parameters (postgres.js, patched)', () => {
  it('reach PostgreSQL byte for byte, with the parameters around them', async () => {
    const big = bytes(1_300_000, 1);
    const other = bytes(70_000, 2);
    for (let run = 0; run < 3; run++) {
      const [row] = await sql<{ n: number; sum: string; other: string; label: string; small: Buffer }[]>`
        select length(${big}::bytea) as n, md5(${big}::bytea) as sum, md5(${other}::bytea) as other,
          ${`run ${run}`}::text as label, ${Buffer.from([0, 1, 2])}::bytea as small`;
      expect(row).toMatchObject({ n: big.length, sum: await md5(big), other: await md5(other), label: `run ${run}` });
      expect([...row.small]).toEqual([0, 1, 2]);
    }
  });

  it('reach PostgreSQL byte for byte in an unnamed statement too', async () => {
    const big = bytes(300_000, 7);
    const [row] = await sql.unsafe<{ sum: string; n: number }[]>('select md5($1::bytea) as sum, $2::int as n', [big, 42], { prepare: false });
    expect(row).toEqual({ sum: await md5(big), n: 42 });
  });

  it('keeps pipelined queries and their answers in order', async () => {
    const bodies = [bytes(200_000, 3), bytes(10, 4), bytes(500_000, 5), bytes(65_536, 6)];
    const answers = await sql.begin((tx) => bodies.map((b, i) => tx<{ i: number; sum: string }[]>`select ${i}::int as i, md5(${b}::bytea) as sum`));
    expect(answers.map(([a]) => a)).toEqual(await Promise.all(bodies.map(async (b, i) => ({ i, sum: await md5(b) }))));
  });
});
