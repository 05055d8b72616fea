import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { testDatabaseUrl } from '../helpers/test-database.js';

/** The GS1 check digit, written out plainly: the reference gtin_valid (migration 0080) is held to. */
function gtinValid(code: string): boolean {
  if (!/^[0-9]+$/.test(code) || ![8, 12, 13, 14].includes(code.length)) return false;
  let sum = 0;
  for (let i = 1; i < code.length; i++) sum += Number(code[code.length - 1 - i]) * (i % 2 === 1 ? 3 : 1);
  return (10 - (sum % 10)) % 10 === Number(code[code.length - 1]);
}

let sql: Sql;
beforeAll(() => { sql = connect(testDatabaseUrl(), 1); });
afterAll(() => sql.end());

describe('gtin_valid (the INVALID_BARCODE rule and the quality score)', () => {
  it('agrees with the GS1 check digit on published codes, edge cases and thousands of random ones', async () => {
    const published = ['4006381333931', '96385074', '036000291452', '10012345000017', '00000000'];
    const odd = ['', '4006381333932', '1234567', '123456789012345', '12345678a', '-1234567', ' 1234567', '4006381333931 ', '١٢٣٤٥٦٧٨'];
    const random = Array.from({ length: 4000 }, (_, i) => {
      const length = [8, 12, 13, 14][i % 4] + (i % 17 === 0 ? 1 : 0);
      const body = Array.from({ length: length - 1 }, () => Math.floor(Math.random() * 10)).join('');
      // Half of them get their right check digit, so both answers are tested often.
      const right = (10 - ([...body].reverse().reduce((s, d, k) => s + Number(d) * (k % 2 === 0 ? 3 : 1), 0) % 10)) % 10;
      return body + (i % 2 === 0 ? right : (right + 1 + (i % 9)) % 10);
    });
    const codes = [...published, ...odd, ...random];
    const rows = await sql<{ code: string; valid: boolean }[]>`select c as code, gtin_valid(c) as valid from unnest(${codes}::text[]) as c`;
    expect(rows.filter((r) => r.valid !== gtinValid(r.code))).toEqual([]);
    expect(published.every(gtinValid)).toBe(true);
    expect(rows.filter((r) => r.valid).length).toBeGreaterThan(1500);
    const [nothing] = await sql`select gtin_valid(null) as valid`;
    expect(nothing.valid).toBeNull();
  });
});
