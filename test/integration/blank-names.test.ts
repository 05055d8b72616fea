import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';

// A product's name and SKU (a variant's SKU too) hold a character other than white space, as PIM
// wants of a title and a SKU: "   " was stored by every Partner write (QA).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());
const { patch, simpleProduct } = productPatchHelpers(() => ctx);

describe('a blank name or SKU', () => {
  it('is VAL_001 "must not be blank" in a PATCH, and changes nothing', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'BL-1');
    // Characters that show nothing are blank too (zero-width, format and filler characters: \S let them through; QA).
    for (const body of [{ name: '   ' }, { sku: '\t ' }, { name: '\u200b' }, { name: '\u2060' }, { name: '\u200e\u200f' }, { name: '\u3164' },
      { name: '\u00ad' }, { sku: '\u200b\u200b' }]) {
      const res = await patch(store, id, body);
      expect([res.statusCode, res.json().error?.code], res.body).toEqual([400, 'VAL_001']);
      expect(res.body).toContain('must not be blank');
    }
    const [row] = await ctx.sql`select sku, version from products where id = ${id}`;
    expect(row).toEqual({ sku: 'BL-1', version: 1 });
    // A name with spaces (or a zero-width joiner) around a character is fine.
    expect((await patch(store, id, { name: '  Lamp  ' })).statusCode).toBe(200);
    expect((await patch(store, id, { name: '\u200dLamp\u200d' })).statusCode).toBe(200);
  });

  it('is blank past the BMP too, and for a hashtag, an option\'s name and value (tags, U+1D173 passed, " " was a hashtag: Unicode QA)', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'BL-2');
    const tags = String.fromCodePoint(0xe0041, 0xe0042);
    for (const body of [{ name: tags }, { sku: String.fromCodePoint(0x1d173) }, { name: String.fromCodePoint(0xe0100) }, { name: String.fromCodePoint(0x13430, 0x1bca0) },
      { name: '\u2800' }, { hashtags: ['summer', ' '] }, { hashtags: ['\u200b'] }]) {
      const res = await patch(store, id, body);
      expect([JSON.stringify(body), res.statusCode, res.json().error?.code], res.body).toEqual([JSON.stringify(body), 400, 'VAL_001']);
      expect(res.body).toContain('must not be blank');
    }
    // Signs that show: an Arabic number sign (a format character), an emoji with its variation selector, a flag of tags.
    for (const name of ['\u0600١', '\u2764\ufe0f', String.fromCodePoint(0x1f3f4, 0xe0067, 0xe0062, 0xe007f)]) {
      expect([name, (await patch(store, id, { name })).statusCode]).toEqual([name, 200]);
    }
    const sync = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/with-variants/sync', body: { products: [
      { externalId: 'bl-e', name: 'Shirt', variants: { items: [{ sku: 'BL-E1', options: { Size: ' ' } }] } },
      { externalId: 'bl-f', name: 'Shirt', variants: { items: [{ sku: 'BL-F1', options: { '\u200b': 'L' } }] } },
      { externalId: 'bl-g', name: 'Shirt', variants: { items: [{ sku: 'BL-G1', options: { Size: 'L' } }] } },
    ] } });
    expect(sync.json().data?.errors.map((e: any) => [e.rowIndex, e.code]), sync.body).toEqual([[0, 'VAL_001'], [1, 'VAL_001']]);
  });

  it('fails its row in a catalog sync and a with-variants sync (a variant\'s SKU), the other rows accepted', async () => {
    const store = await createTestStore(ctx, 0);
    const sync = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body: { products: [
      { externalId: 'bl-a', sku: 'BL-A', name: ' ', price: 1, stock: 1 }, { externalId: 'bl-b', sku: 'BL-B', name: 'Fine', price: 1, stock: 1 },
    ] } });
    expect(sync.json().data.summary).toEqual({ total: 2, failed: 1, pending: 1 });
    expect(sync.json().data.errors.map((e: any) => [e.rowIndex, e.code])).toEqual([[0, 'VAL_001']]);
    const variants = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/with-variants/sync', body: { products: [
      { externalId: 'bl-c', name: 'Shirt', variants: { items: [{ sku: '  ' }] } },
      { externalId: 'bl-d', name: 'Shirt', variants: { items: [{ sku: 'BL-D1' }] } },
    ] } });
    expect(variants.json().data?.errors.map((e: any) => [e.rowIndex, e.code]), variants.body).toEqual([[0, 'VAL_001']]);
    expect(JSON.stringify(variants.json().data.errors)).toContain('must not be blank');
  });
});
