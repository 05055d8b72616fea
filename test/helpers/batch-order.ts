import { expect } from 'vitest';
import { processBatch } from '../../src/batches/process-batch.js';
import { signedInject, type TestContext, type TestStore } from './test-app.js';

/**
 * For tests that apply a store's batches in an order of their choosing (no worker runs): accept
 * sends a request and answers its batchId; run applies that batch and answers its row outcomes.
 */
export function batchOrderHelpers(context: () => TestContext) {
  async function accept(store: TestStore, method: 'POST' | 'PATCH', url: string, body: unknown) {
    const res = await signedInject(context(), store, { method, url, body });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.errors, res.body).toEqual([]);
    return res.json().data.batchId as string;
  }
  async function run(store: TestStore, batchId: string) {
    await processBatch(context().sql, store.storeId, batchId, 100);
    const [b] = await context().sql`select status, outcomes from batches where id = ${batchId}`;
    expect(b.status, JSON.stringify(b.outcomes)).toBe('COMPLETED');
    return b.outcomes as { status: string }[];
  }
  return { accept, run };
}
