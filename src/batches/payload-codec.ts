import { isUtf8 } from 'node:buffer';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, brotliDecompress, brotliDecompressSync, constants } from 'node:zlib';
import type { Queryable } from '../db/database.js';
import { AppError } from '../errors/app-error.js';

const compress = promisify(brotliCompress);
const decompressAsync = promisify(brotliDecompress);
const FASTEST = { params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } };
/**
 * A small input (the row plans of a request whose body is stored: ~24 KB for 1,000 products,
 * ~1.8 KB compressed) is (de)compressed in line: the thread pool's round trip cost more than
 * the work (node, 100 runs: 0.39-0.47 ms a compression through it, 0.05-0.14 ms in line). A
 * large one (rows stored with their input) still goes to the thread pool, off the event loop.
 */
const IN_LINE = 64 * 1024;
const brotli = async (data: Buffer) => (data.length <= IN_LINE ? brotliCompressSync(data, FASTEST) : compress(data, FASTEST));
const decompress = async (data: Buffer) => (data.length <= IN_LINE / 8 ? brotliDecompressSync(data) : decompressAsync(data));

/**
 * Where each accepted row's `input` comes from when it is the request's own row:
 * the row at `rowIndex` of the body's `field` array, without the `omit` keys. The
 * body is stored beside the rows as received (batches.body).
 * `wellTyped`: every row of `field` passed its schema, so PostgreSQL may read the
 * whole array with typed columns (json_to_recordset) without meeting a bad value.
 */
export interface RowSource { body: Buffer; field: string; omit?: string[]; wellTyped?: boolean; warehouses?: string[] }

/** What a batch's packed rows say of its stored body. */
export interface BodyHeader {
  field: string;
  omit: string[];
  wellTyped: boolean;
  /**
   * The byte range [start, end) of the `field` array within the body, when the body looks
   * like `{"field": [...]}` and nothing else; PostgreSQL then parses only that. Cut by
   * position, so a body with a duplicated key yields text that is not JSON (see product-writer.ts).
   */
  array: [number, number] | null;
  /** The warehouse ids the rows' stored plans name by index (product-plan.ts). */
  warehouses: string[];
}

/** The request body of a batch, as the worker sees it: in PostgreSQL, read into the worker only if a row's input is asked for. */
export interface StoredBody extends BodyHeader {
  storeId: string;
  batchId: string;
  /** Reads the body into the worker; input() needs it. */
  load(sql: Queryable): Promise<void>;
  /** The row at `rowIndex` of `field`, without the omitted keys. */
  input(rowIndex: number): Record<string, unknown>;
}

/**
 * A batch's stored rows cannot be read (damaged, or missing): every attempt would fail alike, so
 * this error is permanent and its job gives up at once (batches/tasks.ts).
 */
export class UnreadableBatchRows extends AppError {
  constructor(batchId: string, cause?: unknown) {
    super('BAT_003', { batchId }, `the rows batch ${batchId} accepted cannot be read${cause instanceof Error ? `: ${cause.message}` : ''}`);
  }
}

/** First byte of a decompressed packed_rows holding plans whose inputs are in the body (0064's JSON array starts with '['). */
const FROM_BODY = 0x01;

export interface Packed { rows: Buffer; body: Buffer | null }

/**
 * A batch's accepted rows as stored (batches.packed_rows), Brotli at its fastest setting.
 * A 1,000-product request is ~1.2 MB of JSON; written as text it took 10-20 ms to
 * insert (and as much WAL), compressed it is 60-300 KB.
 *
 * With a `source`, the rows' payloads are stored without their input, which is read
 * back from the request body exactly as received (by PostgreSQL itself when it creates
 * products: product-writer.ts), so the API serialises nothing twice; packed_rows is then
 * 0x01 and the JSON header {field, omit, wellTyped, array, warehouses, rows}. The body goes to
 * PostgreSQL as its bytes (binary bytea), stored uncompressed (0081): compressing it cost
 * the API ~4 ms a request and the worker a decompression, a copy into a string and the
 * string's trip back to PostgreSQL, which now reads it where it is.
 */
export async function packRows(rows: [number, unknown][], source?: RowSource): Promise<Packed> {
  if (!source) return { rows: await brotli(Buffer.from(JSON.stringify(rows))), body: null };
  // The body as PostgreSQL will read it: valid UTF-8, as JSON.parse read it. The HTTP body parser
  // refuses a body that is not UTF-8 (REQ_001); other bytes would be read with U+FFFD for them,
  // which PostgreSQL would otherwise refuse.
  const body = isUtf8(source.body) ? source.body : Buffer.from(source.body.toString('utf8'));
  const header: BodyHeader = {
    field: source.field, omit: source.omit ?? [], wellTyped: source.wellTyped === true, array: arrayRange(body, source.field), warehouses: source.warehouses ?? [],
  };
  return { rows: await brotli(Buffer.from(String.fromCharCode(FROM_BODY) + JSON.stringify({ ...header, rows }))), body };
}

export interface Unpacked { rows: [number, unknown][]; body: BodyHeader | null }

/** A batch's rows; `legacyBody`: the Brotli-compressed body of a batch accepted before 0081, returned decompressed, for batches.body. */
export async function unpackRows(packedRows: Buffer, legacyBody?: Buffer | null): Promise<Unpacked & { legacyBody?: Buffer }> {
  const raw = await decompress(packedRows);
  if (raw[0] !== FROM_BODY) return { rows: JSON.parse(raw.toString('utf8')), body: null };
  const { rows, ...header } = JSON.parse(raw.toString('utf8', 1)) as BodyHeader & { rows: [number, unknown][] };
  // Headers written before 0081 lack `array` (the worker worked it out) and `warehouses`.
  const fields: BodyHeader = { ...header, array: header.array ?? null, warehouses: header.warehouses ?? [] };
  if (!legacyBody) return { rows, body: fields };
  const body = await decompress(legacyBody);
  return { rows, body: { ...fields, array: arrayRange(body, header.field) }, legacyBody: body };
}

/** The stored body of a batch, with its header. */
export function storedBody(storeId: string, batchId: string, header: BodyHeader): StoredBody {
  let inputs: Record<string, unknown>[] | undefined;
  return {
    ...header, storeId, batchId,
    async load(sql) {
      if (inputs) return;
      const [b] = await sql<{ json: string }[]>`select convert_from(body, 'UTF8') as json from batches where store_id = ${storeId} and id = ${batchId}`;
      if (!b?.json) throw new UnreadableBatchRows(batchId, new Error('its request body is not stored'));
      inputs = (JSON.parse(b.json) as Record<string, Record<string, unknown>[]>)[header.field];
    },
    input(rowIndex) {
      if (!inputs) throw new Error('StoredBody.input before load()');
      const row = inputs[rowIndex];
      return header.omit.some((k) => k in row) ? Object.fromEntries(Object.entries(row).filter(([k]) => !header.omit.includes(k))) : row;
    },
  };
}

/** The byte range from the first `[` to the last `]` of a body shaped `{ "field" : [ ... ] }`, or null. */
export function arrayRange(body: Buffer, field: string): [number, number] | null {
  // Both ends are ASCII: latin1 reads their bytes one to one.
  const head = new RegExp(`^\\s*\\{\\s*"${field}"\\s*:\\s*\\[`).exec(body.toString('latin1', 0, 200));
  const end = body.lastIndexOf(0x5d);
  if (!head || end < 0 || !/^\]\s*\}\s*$/.test(body.toString('latin1', end))) return null;
  return [head[0].length - 1, end + 1];
}
