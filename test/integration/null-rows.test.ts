import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';

// Each row of a bulk request is checked on its own; a row that is no object (null, a number)
// was told "body must be a JSON object", the words of a body that is no object, of a body that was fine.
let ctx: TestContext;
let store: TestStore;
beforeAll(async () => { ctx = await createTestApp(); store = await createTestStore(ctx, 0); });
afterAll(async () => { await ctx.close(); });

const P = '/api/v1/partner/stores';
const send = (method: 'POST' | 'PATCH', url: string, body: unknown) => signedInject(ctx, store, { method, url: `${P}${url}`, body });
const row = (key: string, index: number) => ({ [`${key}[${index}]`]: `${key}[${index}] must be a JSON object` });

describe('a bulk request row that is no JSON object', () => {
  it('is refused as its row, named by its place in the request, the other rows accepted', async () => {
    const product = { externalId: 'ext-1', name: 'Mug', sku: 'MUG-1', price: 10 };
    for (const url of ['/catalog/sync', '/products/bulk']) {
      const res = await send('POST', url, { products: [null, product, 7] });
      expect(res.statusCode, url).toBe(200);
      const { errors, acceptedRows } = res.json().data;
      expect(acceptedRows.map((r: any) => r.rowIndex), url).toEqual([1]);
      expect(errors.map((e: any) => [e.rowIndex, e.code, e.details.context.validationErrors]), url).toEqual([
        [0, 'VAL_001', row('products', 0)], [2, 'VAL_001', row('products', 2)],
      ]);
    }
    // Rows of other endpoints, refused for what they name (no such SKU), not for their form.
    for (const [url, item] of [['/inventory', { sku: 'NONE', stock: 1 }], ['/products/prices', { sku: 'NONE', price: 1 }]] as const) {
      const res = await send('PATCH', url, { items: [item, null] });
      expect(res.statusCode, url).toBe(200);
      const told = res.json().data.errors.map((e: any) => [e.rowIndex, e.code, e.details.context.validationErrors]);
      expect(told.find((e: any[]) => e[1] === 'VAL_001'), url).toEqual([1, 'VAL_001', row('items', 1)]);
    }
  });

  it('is named so in the whole request\'s VAL_001 when no row is valid; a body that is no object keeps its words', async () => {
    for (const url of ['/catalog/sync', '/products/bulk', '/products/with-variants/bulk']) {
      const res = await send('POST', url, { products: [null] });
      expect([res.statusCode, res.json().error.details.context.validationErrors], url).toEqual([400, { products: { 0: row('products', 0) } }]);
      const body = await send('POST', url, [null]);
      expect([body.statusCode, body.json().error.details.context.validationErrors], url).toEqual([400, { body: 'body must be a JSON object' }]);
    }
  });
});

describe('a required property sent as null', () => {
  it('is told "should not be empty" as one left out, in the request\'s VAL_001 and in a row\'s (optional ones by their type alone)', async () => {
    const whole = await send('POST', '/catalog/sync', { products: null });
    expect([whole.statusCode, whole.json().error.details.context.validationErrors]).toEqual([400, {
      products: 'products should not be empty, products must contain at least 1 elements, products must be an array',
    }]);
    const product = { externalId: 'ext-n', sku: 'N-1', price: 10 };
    const res = await send('POST', '/products/bulk', { products: [{ ...product, name: null, photos: null }, { ...product, externalId: 'ext-m', sku: 'M-1', name: 'Mug' }] });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.errors.map((e: any) => e.details.context.validationErrors)).toEqual([{
      name: 'name should not be empty, name must be shorter than or equal to 255 characters, name must be longer than or equal to 1 characters, name must not be blank, name must be a string',
      photos: 'photos must contain no more than 20 elements, photos must be an array',
    }]);
  });
});
