import type { Transaction } from '../db/database.js';
import { rowsByIds } from '../db/rows-by-key.js';
import type { CheckedItem } from './bulk-job-items.js';

/** The unique keys of a product an item can change (the writer's input names). */
const KEYS = ['sku', 'externalId'] as const;
type Keys = Partial<Record<(typeof KEYS)[number], string | null>>;

/** The keys the products these items rename hold now (those of items setting a sku or external_id). */
export async function keysHeld(tx: Transaction, storeId: string, items: CheckedItem[]): Promise<Map<string, Keys>> {
  const renaming = items.filter((r) => r.write!.mode === 'update' && KEYS.some((k) => r.write!.input[k] !== undefined));
  if (renaming.length === 0) return new Map();
  const held = await tx<{ id: string; sku: string | null; external_id: string | null }[]>`
    ${rowsByIds(tx, { table: 'products', storeId, ids: renaming.map((r) => r.id!) }, 'x.id, x.sku, x.external_id')}`;
  return new Map(held.map((p) => [p.id, { sku: p.sku, externalId: p.external_id }]));
}

/**
 * The items in passes, so that they apply in their order where order matters: a pass is one
 * set-based write (writeProducts), whose rows meet PostgreSQL's unique checks in no set order.
 * - A product named twice: its first update in one pass, its second in a later one (one UPDATE
 *   writes a product once, and the second item was lost as "product not found").
 * - A key (SKU, externalId) one item frees and another takes: the later of the two in a later
 *   pass. `[{id: C, sku: "BK-12-new"}, {id: D, sku: "BK-12"}]`, C holding BK-12, failed item 1
 *   PRD_003, BK-12 being C's when the pass looked; the other way round, D's item must fail.
 *   Items taking one key share a pass: the writer gives it to the first (findUpdateClashes).
 * `held`: keysHeld, the keys before the items; as the items go, each product's are taken to be
 * what its items set (an item that fails leaves a pass more than needed, never one too few).
 * Imports all go in the first pass, as does a payload whose items share no product and no key.
 */
export function inPasses(items: CheckedItem[], held: Map<string, Keys>): CheckedItem[][] {
  const nextOf = new Map<string, number>(); // a product's next pass
  const taken = new Map<string, number>(); // a key's last pass in which an item took it
  const freed = new Map<string, number>(); // a key's last pass in which an item gave it up
  const passes: CheckedItem[][] = [];
  const current = new Map([...held].map(([id, keys]) => [id, { ...keys }]));
  for (const item of items) {
    let n = item.id === undefined ? 0 : nextOf.get(item.id) ?? 0;
    const keys = item.id === undefined ? undefined : current.get(item.id);
    const takes: string[] = [];
    const frees: string[] = [];
    for (const k of KEYS) {
      const value = item.write!.input[k];
      if (typeof value !== 'string' || keys?.[k] === value) continue;
      takes.push(`${k}:${value}`);
      if (keys?.[k] != null) frees.push(`${k}:${keys[k]}`); // "" is a key a product frees too
    }
    for (const key of takes) n = Math.max(n, taken.get(key) ?? 0, (freed.get(key) ?? -1) + 1);
    for (const key of frees) n = Math.max(n, (taken.get(key) ?? -1) + 1, freed.get(key) ?? 0);
    for (const key of takes) taken.set(key, n);
    for (const key of frees) freed.set(key, n);
    if (item.id !== undefined) {
      nextOf.set(item.id, n + 1);
      if (keys) for (const k of KEYS) if (typeof item.write!.input[k] === 'string') keys[k] = item.write!.input[k] as string;
    }
    (passes[n] ??= []).push(item);
  }
  return passes.filter(Boolean);
}
