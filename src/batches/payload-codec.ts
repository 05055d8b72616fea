import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants } from 'node:zlib';

const compress = promisify(brotliCompress);
const decompress = promisify(brotliDecompress);
const brotli = (data: Buffer) => compress(data, {
  params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT },
});

/**
 * Where each accepted row's `input` comes from when it is the request's own row:
 * the row at `rowIndex` of the body's `field` array, without the `omit` keys. The
 * body, compressed by packBody, is stored beside the rows (batches.packed_body).
 * `wellTyped`: every row of `field` passed its schema, so PostgreSQL may read the
 * whole array with typed columns (json_to_recordset) without meeting a bad value.
 */
export interface RowSource { packedBody: Promise<Buffer>; field: string; omit?: string[]; wellTyped?: boolean }

/** The request body of a batch, as read back by the worker: its JSON text, parsed only if a row's input is asked for. */
export interface StoredBody {
  json: string;
  field: string;
  /**
   * The text of the `field` array alone, when the body looks like `{"field": [...]}` and
   * nothing else; PostgreSQL then parses only that. Cut by position, so a body with a
   * duplicated key yields text that is not JSON (see product-writer.ts).
   */
  array: string | null;
  wellTyped: boolean;
  /** The row at `rowIndex` of `field`, without the omitted keys. */
  input(rowIndex: number): Record<string, unknown>;
}

/**
 * A request body as stored: Brotli at its fastest setting, on libuv's thread pool.
 * Started as soon as the request arrives, it runs while the rows are validated and
 * looked up (1.2-1.5 ms for a 1,000-product request). A caller that may not await
 * it must catch it.
 */
export const packBody = (body: Buffer) => brotli(body);

/** First byte of a decompressed packed_rows holding plans whose inputs are in the body (0064's JSON array starts with '['). */
const FROM_BODY = 0x01;

export interface Packed { rows: Buffer; body: Buffer | null }

/**
 * A batch's accepted rows as stored (batches.packed_rows), compressed like the body.
 * A 1,000-product request is ~1.2 MB of JSON; written as text it took 10-20 ms to
 * insert (and as much WAL), compressed it is 60-300 KB.
 *
 * With a `source`, the rows' payloads are stored without their input, which is read
 * back from the request body exactly as received (by the worker, or by PostgreSQL
 * itself: product-body-insert.ts): serialising 1,000 validated
 * products again cost the API 4-5 ms a request (JSON.stringify 2.5 ms, its UTF-8 copy
 * 1.5-2.7 ms) for bytes it already had. packed_rows is then 0x01 and the JSON
 * header {field, omit, rows}.
 */
export async function packRows(rows: [number, unknown][], source?: RowSource): Promise<Packed> {
  if (!source) return { rows: await brotli(Buffer.from(JSON.stringify(rows))), body: null };
  const header = Buffer.from(String.fromCharCode(FROM_BODY) + JSON.stringify({ field: source.field, omit: source.omit ?? [], wellTyped: source.wellTyped === true, rows }));
  const [packedRows, body] = await Promise.all([brotli(header), source.packedBody]);
  return { rows: packedRows, body };
}

export interface Unpacked { rows: [number, unknown][]; body: StoredBody | null }

export async function unpackRows(packedRows: Buffer, packedBody?: Buffer | null): Promise<Unpacked> {
  const raw = await decompress(packedRows);
  if (raw[0] !== FROM_BODY) return { rows: JSON.parse(raw.toString('utf8')), body: null };
  if (!packedBody) throw new Error('batch rows refer to a request body that is not stored');
  const header = JSON.parse(raw.toString('utf8', 1)) as { field: string; omit: string[]; wellTyped?: boolean; rows: [number, unknown][] };
  const json = (await decompress(packedBody)).toString('utf8');
  let inputs: Record<string, unknown>[] | undefined;
  const input = (rowIndex: number) => {
    inputs ??= (JSON.parse(json) as Record<string, Record<string, unknown>[]>)[header.field];
    const row = inputs[rowIndex];
    return header.omit.some((k) => k in row) ? Object.fromEntries(Object.entries(row).filter(([k]) => !header.omit.includes(k))) : row;
  };
  return { rows: header.rows, body: { json, field: header.field, array: arrayOf(json, header.field), wellTyped: header.wellTyped === true, input } };
}

/** The text from the first `[` to the last `]` of a body shaped `{ "field" : [ ... ] }`, or null. */
function arrayOf(json: string, field: string): string | null {
  const head = new RegExp(`^\\s*\\{\\s*"${field}"\\s*:\\s*\\[`).exec(json.slice(0, 200));
  const end = json.lastIndexOf(']');
  if (!head || end < 0 || !/^\]\s*\}\s*$/.test(json.slice(end))) return null;
  return json.slice(head[0].length - 1, end + 1);
}
