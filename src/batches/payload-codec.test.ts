import { describe, expect, it } from 'vitest';
import { packBody, packRows, unpackRows } from './payload-codec.js';

describe('packed batch rows', () => {
  it('round-trips payloads as given', async () => {
    const rows: [number, unknown][] = [[0, { mode: 'create', input: { sku: 'A' } }], [3, { mode: 'update', id: 'x', input: { name: 'é' } }]];
    const packed = await packRows(rows);
    expect(packed.body).toBeNull();
    expect(await unpackRows(packed.rows)).toEqual(rows);
  });

  it('reads each input back from the stored request body, without the omitted keys', async () => {
    const body = Buffer.from(JSON.stringify({ products: [{ sku: 'A', name: 'Ä' }, { id: 'p1', sku: 'B' }, { sku: 'C' }] }));
    const packed = await packRows([[1, { mode: 'update', id: 'p1' }], [2, { mode: 'create' }]], { packedBody: packBody(body), field: 'products', omit: ['id'] });
    await expect(unpackRows(packed.rows)).rejects.toThrow(/not stored/);
    expect(await unpackRows(packed.rows, packed.body)).toEqual([
      [1, { mode: 'update', id: 'p1', input: { sku: 'B' } }],
      [2, { mode: 'create', input: { sku: 'C' } }],
    ]);
  });
});
