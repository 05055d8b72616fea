import { describe, expect, it } from 'vitest';
import { packBody, packRows, unpackRows } from './payload-codec.js';

describe('packed batch rows', () => {
  it('round-trips payloads as given', async () => {
    const rows: [number, unknown][] = [[0, { mode: 'create', input: { sku: 'A' } }], [3, { mode: 'update', id: 'x', input: { name: 'é' } }]];
    const packed = await packRows(rows);
    expect(packed.body).toBeNull();
    expect(await unpackRows(packed.rows)).toEqual({ rows, body: null });
  });

  it('reads each input back from the stored request body, without the omitted keys', async () => {
    const body_ = Buffer.from(JSON.stringify({ products: [{ sku: 'A', name: 'Ä' }, { id: 'p1', sku: 'B' }, { sku: 'C' }] }));
    const packed = await packRows([[1, { mode: 'update', id: 'p1' }], [2, { mode: 'create' }]], { packedBody: packBody(body_), field: 'products', omit: ['id'] });
    await expect(unpackRows(packed.rows)).rejects.toThrow(/not stored/);
    const { rows, body } = await unpackRows(packed.rows, packed.body);
    expect(rows).toEqual([[1, { mode: 'update', id: 'p1' }], [2, { mode: 'create' }]]);
    expect(body).toMatchObject({ field: 'products', wellTyped: false });
    expect(Buffer.from(body!.json)).toEqual(body_);
    expect(body!.input(1)).toEqual({ sku: 'B' });
    expect(body!.input(2)).toEqual({ sku: 'C' });
    expect(body!.input(0)).toEqual({ sku: 'A', name: 'Ä' });
  });

  it('cuts out the array of a body that holds only it', async () => {
    const array = async (json: string) => {
      const packed = await packRows([[0, { mode: 'create' }]], { packedBody: packBody(Buffer.from(json)), field: 'products' });
      return (await unpackRows(packed.rows, packed.body)).body!.array;
    };
    expect(await array('{"products":[{"a":1},{"b":[2]}]}')).toBe('[{"a":1},{"b":[2]}]');
    expect(await array(' {\n  "products" : [ {"a":"]"} ]\n}\n')).toBe('[ {"a":"]"} ]');
    expect(await array('{"products":[1],"other":2}')).toBeNull();
    expect(await array('{"other":[1],"products":[2]}')).toBeNull();
    // A duplicated key gives text that is not one JSON value: PostgreSQL refuses it (product-writer.ts).
    const duplicated = await array('{"products":[1],"products":[2]}');
    expect(duplicated).toBe('[1],"products":[2]');
    expect(() => JSON.parse(duplicated!)).toThrow();
  });

  it('says whether every row of the body passed its schema', async () => {
    const packed = await packRows([[0, { mode: 'create' }]], { packedBody: packBody(Buffer.from('{"products":[{}]}')), field: 'products', wellTyped: true });
    expect((await unpackRows(packed.rows, packed.body)).body!.wellTyped).toBe(true);
  });
});
