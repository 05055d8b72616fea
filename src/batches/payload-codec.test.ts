import { promisify } from 'node:util';
import { brotliCompress } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { arrayRange, packRows, unpackRows } from './payload-codec.js';

const source = (json: string | Buffer, extra: { omit?: string[]; wellTyped?: boolean } = {}) =>
  ({ body: Buffer.isBuffer(json) ? json : Buffer.from(json), field: 'products', ...extra });

describe('packed batch rows', () => {
  it('round-trips payloads as given', async () => {
    const rows: [number, unknown][] = [[0, { mode: 'create', input: { sku: 'A' } }], [3, { mode: 'update', id: 'x', input: { name: 'é' } }]];
    const packed = await packRows(rows);
    expect(packed.body).toBeNull();
    expect(await unpackRows(packed.rows)).toEqual({ rows, body: null });
  });

  it('stores the request body as received and says how to read its rows', async () => {
    const body = Buffer.from(JSON.stringify({ products: [{ sku: 'A', name: 'Ä' }, { id: 'p1', sku: 'B' }] }));
    const packed = await packRows([[1, { mode: 'update', id: 'p1' }]], source(body, { omit: ['id'], wellTyped: true }));
    expect(packed.body).toBe(body);
    const unpacked = await unpackRows(packed.rows);
    expect(unpacked.rows).toEqual([[1, { mode: 'update', id: 'p1' }]]);
    expect(unpacked.body).toEqual({ field: 'products', omit: ['id'], wellTyped: true, array: arrayRange(body, 'products'), warehouses: [] });
  });

  it('stores a body that is not valid UTF-8 as JSON.parse read it', async () => {
    const body = Buffer.concat([Buffer.from('{"products":[{"name":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]);
    const packed = await packRows([[0, { mode: 'create' }]], source(body));
    expect(packed.body!.toString('utf8')).toBe(body.toString('utf8'));
    expect(JSON.parse(packed.body!.toString('utf8')).products[0].name).toBe('a\ufffd\ufffd');
  });

  it('reads a body compressed before 0081 back, to be stored as it was received', async () => {
    const body = Buffer.from('{"products":[{"sku":"A"}]}');
    const header = Buffer.from(`\u0001${JSON.stringify({ field: 'products', omit: [], wellTyped: true, rows: [[0, { mode: 'create' }]] })}`);
    const brotli = promisify(brotliCompress);
    const unpacked = await unpackRows(await brotli(header), await brotli(body));
    expect(unpacked.legacyBody).toEqual(body);
    expect(unpacked.body).toEqual({ field: 'products', omit: [], wellTyped: true, array: [12, 25], warehouses: [] });
  });
});

describe('the array of a stored body', () => {
  const cut = (json: string) => {
    const body = Buffer.from(json);
    const range = arrayRange(body, 'products');
    return range && body.subarray(...range).toString('utf8');
  };

  it('is cut out, by bytes, when the body holds only it', () => {
    expect(cut('{"products":[{"a":1},{"b":[2]}]}')).toBe('[{"a":1},{"b":[2]}]');
    expect(cut(' {\n  "products" : [ {"a":"]"} ]\n}\n')).toBe('[ {"a":"]"} ]');
    expect(cut('{"products":[{"a":"Ünïcødé ✓"}]}')).toBe('[{"a":"Ünïcødé ✓"}]');
  });

  it('is not cut out of a body that holds more', () => {
    expect(cut('{"products":[1],"other":2}')).toBeNull();
    expect(cut('{"other":[1],"products":[2]}')).toBeNull();
  });

  it('is not one JSON value when a key is duplicated: PostgreSQL refuses it (product-writer.ts)', () => {
    const duplicated = cut('{"products":[1],"products":[2]}');
    expect(duplicated).toBe('[1],"products":[2]');
    expect(() => JSON.parse(duplicated!)).toThrow();
  });
});
