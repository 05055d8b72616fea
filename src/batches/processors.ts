import type { Transaction } from '../db/database.js';
import type { BatchKind } from './batch-store.js';
import type { StoredBody } from './payload-codec.js';
import type { ErrorCode } from '../errors/catalogue.js';

export interface BatchContext {
  storeId: string;
  partnerId: string;
  partnerClientId: string;
  batchId: string;
  requestId: string;
  /** The address of the request that was accepted; null for a batch accepted before 0102 kept it. */
  ip: string | null;
  acceptedSeq: bigint;
  /** The request body the rows were accepted from, when the batch stored it (product batches); rows then carry no input. */
  body: StoredBody | null;
}

/**
 * The first stock sequence of a batch's rows: row r's stock writes carry this + r, as
 * write_stock_rows numbers a stock update's (0113), so that whatever job runs last, a stock a
 * later-accepted request wrote stays (rows per request < 10,000).
 */
export const stockSeqBase = (ctx: Pick<BatchContext, 'acceptedSeq'>) => ctx.acceptedSeq * 10_000n;

export interface RowOutcome {
  rowIndex: number;
  status: 'SUCCEEDED' | 'FAILED';
  /** A failed row's code: one its surface declares (http/row-codes.ts), which the test suite checks. */
  code?: ErrorCode;
  message?: string;
  details?: Record<string, unknown>;
  result?: Record<string, unknown>;
}

/** Applies one chunk of accepted rows, set-based, inside the chunk's transaction. */
export type BatchProcessor = (tx: Transaction, ctx: BatchContext, rows: { rowIndex: number; payload: any }[]) => Promise<RowOutcome[]>;

/**
 * What a chunk's transaction did: applied rows and left some for the next (`more`), applied the
 * batch's last rows (`last`: the batch completes in the same transaction), or found none.
 */
export type ChunkState = 'more' | 'last' | 'none';

/**
 * Applies the next chunk of a batch whose rows PostgreSQL holds and applies itself, inside
 * the chunk's transaction (outcomes and counts included).
 */
export type ChunkApplier = (tx: Transaction, storeId: string, batchId: string, chunkSize: number) => Promise<ChunkState>;

export type BatchKindSpec =
  | { process: BatchProcessor }
  | {
    applyChunk: ChunkApplier;
    /** Moves the rows of a batch accepted before its kind was applied in PostgreSQL to where it reads them. */
    adoptPackedRows(tx: Transaction, storeId: string, batchId: string, rows: [number, unknown][]): Promise<void>;
  };

const registry = new Map<BatchKind, BatchKindSpec>();

export function registerBatchKind(kind: BatchKind, spec: BatchKindSpec) {
  registry.set(kind, spec);
}

export function batchKind(kind: BatchKind): BatchKindSpec {
  const spec = registry.get(kind);
  if (!spec) throw new Error(`no processor registered for batch kind ${kind}`);
  return spec;
}
