import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, subscribeToAllEvents, signedInject, type TestContext } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { seedBody, seedResponses } from '../fixtures/seeds.js';
import { withoutVolatile } from '../helpers/worker.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const { patch, simpleProduct, stockRows, productRow } = productPatchHelpers(() => ctx);

describe('PATCH /products/{productId} (seed 003)', () => {
  it('updates the fields sent and lists those that changed, like the seed example', async () => {
    const store = await createTestStore(ctx, 0);
    await subscribeToAllEvents(ctx, store);
    const body = seedBody('003');
    const id = await simpleProduct(store, '480166', {
      name: body.name, description: body.description, price: body.price, weight: body.weight, stock: body.stock,
      length: 12, width: 12, height: 10, min_order: 1, category_id: body.categoryId, sub_category_id: body.subCategoryId,
      type_id: body.typeId, hashtags: body.hashtags, photos: body.photos, insurance_required: false, cod_enabled: false,
    });
    const res = await patch(store, id, body);
    expect(res.statusCode).toBe(200);
    const expected: any = seedResponses('003')[0];
    expected.data.hasVariants = false; // the published example's product had variants
    expected.data.updatedFields = ['minOrder', 'insuranceRequired', 'codEnabled'];
    const got = res.json();
    expect(withoutVolatile({ ...got, data: { ...got.data, externalId: expected.data.externalId } })).toEqual(withoutVolatile(expected));
    expect(res.headers.etag).toBe('"2"');
    const row = await productRow(id);
    expect(row).toMatchObject({ min_order: 5, insurance_required: true, cod_enabled: true, version: 2, stock: 122 });
    const [audit] = await ctx.sql`select actor, changes from audit_events where resource_id = ${id} and action = 'product.updated'`;
    expect(audit.actor).toBe(store.partnerClientId);
    expect(audit.changes.minOrder).toEqual({ before: 1, after: 5 });
    const [event] = await ctx.sql`select payload from outbox_events where type = 'product.updated' and payload->>'id' = ${id}`;
    expect(event.payload.updatedFields).toEqual(['minOrder', 'insuranceRequired', 'codEnabled']);
  });

  it('on a store with 0 warehouses: stock on the product, warehouses refused and nothing written', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store);
    expect((await patch(store, id, { stock: 9 })).statusCode).toBe(200);
    expect((await productRow(id)).stock).toBe(9);
    const refused = await patch(store, id, { name: 'Renamed', warehouses: [{ clientId: 'wh_x', stock: 1 }] });
    expect(refused.json().error).toMatchObject({ code: 'WHS_002', details: { context: { field: 'warehouses' } } });
    expect(await productRow(id)).toMatchObject({ name: 'Product', stock: 9 });
  });

  it('on a store with 1 warehouse: stock and warehouses both land on its row', async () => {
    const store = await createTestStore(ctx, 1);
    const [w] = store.warehouses;
    const id = await simpleProduct(store);
    await patch(store, id, { stock: 7 });
    expect(await stockRows(id)).toEqual([{ variant: '-', client_id: w.clientId, stock: 7 }]);
    await patch(store, id, { warehouses: [{ clientId: w.clientId, stock: 3 }] });
    expect(await stockRows(id)).toEqual([{ variant: '-', client_id: w.clientId, stock: 3 }]);
    expect((await productRow(id)).stock).toBe(3);
  });

  it('on a store with 3 warehouses: stock to every one, warehouses to the listed ones; bad input writes nothing', async () => {
    const store = await createTestStore(ctx, 3);
    const [w1, w2, w3] = store.warehouses.map((w) => w.clientId).sort();
    const id = await simpleProduct(store);
    await patch(store, id, { stock: 4 });
    await patch(store, id, { warehouses: [{ clientId: w2, stock: 10 }] });
    expect((await stockRows(id)).map((r) => [r.client_id, r.stock])).toEqual([[w1, 4], [w2, 10], [w3, 4]]);
    expect((await productRow(id)).stock).toBe(18);
    const unknown = await patch(store, id, { name: 'X', warehouses: [{ clientId: w1, stock: 1 }, { clientId: 'wh_nope', stock: 1 }] });
    expect(unknown.json().error).toMatchObject({ code: 'WHS_003', details: { context: { clientIds: ['wh_nope'] } } });
    const both = await patch(store, id, { stock: 1, warehouses: [{ clientId: w1, stock: 1 }] });
    expect(both.json().error.code).toBe('WHS_001');
    const empty = await patch(store, id, { warehouses: [] });
    expect([empty.statusCode, empty.json().error.code, empty.json().error.message]).toEqual([400, 'WHS_007', 'Warehouses cannot be empty']);
    const noStock = await patch(store, id, { warehouses: [{ clientId: w1 }] });
    expect([noStock.statusCode, noStock.json().error.code, noStock.json().error.details.context]).toEqual([400, 'WHS_006', { field: 'warehouses', clientId: w1 }]);
    expect((await stockRows(id)).map((r) => r.stock)).toEqual([4, 10, 4]);
    expect((await productRow(id)).name).toBe('Product');
  });

  it('converts a simple product to variants and back, keeping aggregates equal to the warehouse rows', async () => {
    const store = await createTestStore(ctx, 2);
    const [w1, w2] = store.warehouses.map((w) => w.clientId).sort();
    const id = await simpleProduct(store);
    await patch(store, id, { stock: 3 });
    const toVariants = await patch(store, id, { variants: { items: [
      { sku: 'V-R', options: { Colour: 'Red' }, price: 10, stock: 2 },
      { sku: 'V-B', options: { Colour: 'Blue' }, price: 12, warehouses: [{ clientId: w1, stock: 5 }] },
    ] } });
    // Its own sku, price and stock gave way to the variants': named too (QA).
    expect(toVariants.json().data).toMatchObject({ hasVariants: true, updatedFields: ['variants', 'sku', 'price', 'stock'] });
    expect((await stockRows(id)).map((r) => [r.variant, r.client_id, r.stock])).toEqual([['V-B', w1, 5], ['V-R', w1, 2], ['V-R', w2, 2]]);
    expect(await productRow(id)).toMatchObject({ has_variants: true, stock: 9 });
    const variants = await ctx.sql`select sku, stock, is_active, options from product_variants where product_id = ${id} order by sku`;
    expect(variants.map((v) => [v.sku, v.stock, v.is_active, v.options.Colour])).toEqual([['V-B', 5, true, 'Blue'], ['V-R', 4, true, 'Red']]);

    const restricted = await patch(store, id, { price: 5 });
    expect(restricted.json().error).toMatchObject({ code: 'PRD_011', details: { context: { field: 'price' } } });

    // Named by its id in upper case: the same uuid, so the same variant (not PRD_012).
    const [vr] = await ctx.sql`select id from product_variants where product_id = ${id} and sku = 'V-R'`;
    expect((await patch(store, id, { variants: { items: [{ id: vr.id.toUpperCase(), sku: 'V-R', price: 11 }] } })).statusCode).toBe(200);
    const after = await ctx.sql`select sku, is_active, price::float8 as price from product_variants where product_id = ${id} order by sku`;
    expect(after).toEqual([{ sku: 'V-B', is_active: false, price: 12 }, { sku: 'V-R', is_active: true, price: 11 }]);
    expect((await productRow(id)).stock).toBe(4);

    const toSimple = await patch(store, id, { variants: { items: [] } });
    expect(toSimple.json().data.hasVariants).toBe(false);
    expect((await patch(store, id, { price: 20, stock: 6 })).statusCode).toBe(200);
    expect(await productRow(id)).toMatchObject({ has_variants: false, stock: 12 });
    const [{ active }] = await ctx.sql`select count(*) filter (where is_active)::int as active from product_variants where product_id = ${id}`;
    expect(active).toBe(0);

    const back = await patch(store, id, { variants: { items: [{ sku: 'V-B', warehouses: [{ clientId: w2, stock: 1 }] }] } });
    expect(back.json().data.hasVariants).toBe(true);
    expect(await productRow(id)).toMatchObject({ has_variants: true, stock: 6 });
  });

  it('refuses variant stock on a store without warehouses, and writes nothing', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store);
    const res = await patch(store, id, { name: 'Changed', variants: { items: [{ sku: 'V-1', price: 5, stock: 3 }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'WHS_005', details: { context: { field: 'variants.items.0.stock' } } });
    expect(await productRow(id)).toMatchObject({ name: 'Product', has_variants: false });
    const [{ n }] = await ctx.sql`select count(*)::int as n from product_variants where product_id = ${id}`;
    expect(n).toBe(0);
  });

  it("answers PRD_001 for an unknown product and for another store's product alike", async () => {
    const store = await createTestStore(ctx, 0);
    const other = await createTestStore(ctx, 0);
    const theirs = await simpleProduct(other);
    const res = await patch(store, theirs, { name: 'Stolen' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('PRD_001');
    expect((await patch(store, '00000000-0000-4000-8000-000000000000', { name: 'x' })).json().error.code).toBe('PRD_001');
    expect((await productRow(theirs)).name).toBe('Product');
  });

  it('reads the product with the credentials, but answers a bad signature or a foreign token with the auth error alone', async () => {
    const store = await createTestStore(ctx, 0);
    const other = await createTestStore(ctx, 0);
    const id = await simpleProduct(store);
    const url = `/api/v1/partner/stores/products/${id}`;
    const forged = await signedInject(ctx, store, { method: 'PATCH', url, body: { name: 'Forged' }, headers: { 'x-signature': `sha256=${'0'.repeat(64)}` } });
    expect([forged.statusCode, forged.json().error.code]).toEqual([401, 'AUTH_010']);
    expect(forged.json().data).toBeUndefined();
    // The other store's token with this store's client id: the store check fails, nothing is read out.
    const wrongToken = await signedInject(ctx, { ...store, storeToken: other.storeToken }, { method: 'PATCH', url, body: { name: 'Forged' } });
    expect(wrongToken.json().error.code).toBe('AUTH_014');
    expect(JSON.stringify(wrongToken.json())).not.toContain('Product');
    expect((await productRow(id)).name).toBe('Product');
    // An id that is not a uuid is not read at all, and fails validation.
    const bad = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/products/not-a-uuid', body: { name: 'x' } });
    expect(bad.json().error.code).toBe('VAL_001');
  });

  it('checks If-Match against the version, and prices against each other', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store);
    const stale = await patch(store, id, { name: 'A' }, { 'if-match': '"7"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().error.code).toBe('PRD_010');
    const fresh = await patch(store, id, { name: 'A' }, { 'if-match': '"1"' });
    expect(fresh.statusCode).toBe(200);
    // "*" matches any current representation (RFC 9110, 13.1.1).
    const any = await patch(store, id, { name: 'B' }, { 'if-match': '*' });
    expect([any.statusCode, any.headers.etag]).toEqual([200, '"3"']);
    expect((await patch(store, id, { name: 'x' }, { 'if-match': 'abc' })).json().error.code).toBe('PRD_013');
    // A list of ETags matches when one does (RFC 9110, 13.1.1); a bad tag in it is PRD_013.
    const listed = await patch(store, id, { name: 'C' }, { 'if-match': '"25", "3"' });
    expect([listed.statusCode, listed.headers.etag], listed.body).toEqual([200, '"4"']);
    const none = await patch(store, id, { name: 'D' }, { 'if-match': '"1", "2"' });
    expect(none.json().error).toMatchObject({ code: 'PRD_010', details: { context: { expectedVersion: [1, 2], currentVersion: 4 } } });
    expect((await patch(store, id, { name: 'x' }, { 'if-match': '"4", abc' })).json().error.code).toBe('PRD_013');
    // Empty list elements are ignored (RFC 9110, 5.6.1.2).
    expect((await patch(store, id, { name: 'E' }, { 'if-match': ', "9", , "4",' })).headers.etag).toBe('"5"');
    // "*" only alone (in a list it turned the precondition off), no weak tag (strong comparison), a
    // comma inside quotes is part of its tag, quotes close, at most 32 tags (a refusal echoes them).
    // Tags quoted and compared strongly: "05" is not "5", nor an unquoted 5 (both matched: QA).
    for (const [ifMatch, reason] of [['"1", *', /stands alone/], ['W/"5"', /weak ETag never matches/], ['"1,5"', /not an ETag this API gives/],
      ['"05"', /not an ETag this API gives/], ['5', /not an ETag this API gives/],
      ['"5', /unclosed quote/], ['', /no ETag/], [Array.from({ length: 33 }, () => '"5"').join(','), /more than 32/]] as const) {
      const refused = (await patch(store, id, { name: 'x' }, { 'if-match': ifMatch })).json().error;
      expect(refused, ifMatch).toMatchObject({ code: 'PRD_013', details: { context: { reason: expect.stringMatching(reason) } } });
    }
    expect((await productRow(id)).name).toBe('E');
    const prices = await patch(store, id, { specialPrice: 150 });
    expect(prices.json().error).toMatchObject({ code: 'PRD_008', details: { context: { field: 'specialPrice' } } });
    expect((await productRow(id)).special_price).toBeNull();
    // The field sent is named: a price sent below the stored special price (it named specialPrice: QA).
    expect((await patch(store, id, { specialPrice: 50 })).statusCode).toBe(200);
    expect((await patch(store, id, { price: 40 })).json().error).toMatchObject({ code: 'PRD_008', details: { context: { field: 'price' } } });
    // Beside an empty variant set too (it named specialPrice there, before and under the locks).
    expect((await patch(store, id, { price: 40, variants: { items: [] } })).json().error).toMatchObject({ code: 'PRD_008', details: { context: { field: 'price' } } });
    expect((await patch(store, id, { specialPrice: 150, variants: { items: [] } })).json().error).toMatchObject({ code: 'PRD_008', details: { context: { field: 'specialPrice' } } });
  });

  it('refuses a special price for a product without a price (one made simple again took one: QA)', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'NP-1');
    expect((await patch(store, id, { variants: { items: [{ sku: 'NP-1-V', price: 5 }] } })).statusCode).toBe(200);
    expect((await patch(store, id, { variants: { items: [] } })).statusCode).toBe(200);
    const refused = await patch(store, id, { specialPrice: 5 });
    expect([refused.statusCode, refused.json().error.code, refused.json().error.details.context.validationErrors])
      .toEqual([400, 'VAL_001', { specialPrice: 'specialPrice needs a price: the product has none, send price with it' }]);
    // Beside an empty variant set too (the locked path took it: review).
    const withSet = await patch(store, id, { specialPrice: 5, variants: { items: [] } });
    expect([withSet.statusCode, withSet.json().error?.code]).toEqual([400, 'VAL_001']);
    expect((await productRow(id)).special_price).toBeNull();
    expect((await patch(store, id, { price: 9, specialPrice: 5 })).statusCode).toBe(200);
  });

  it('rounds prices and dimensions to cents however small they are (1e-7 was stored as no price at all)', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store);
    const res = await patch(store, id, { price: 0.0000001, dimensions: { length: 1e-7, width: 2.005, height: 3 } });
    expect(res.statusCode, res.body).toBe(200);
    const row = await productRow(id);
    expect([row.price, row.length, row.width, row.height].map(Number)).toEqual([0, 0, 2.01, 3]);
    // A price, so the special price is checked against it.
    expect((await patch(store, id, { specialPrice: 5 })).json().error).toMatchObject({ code: 'PRD_008' });
    // Compared as stored: 10.004 and 10.001 are both 10.00 (they were stored so, the pair inverted).
    expect((await patch(store, id, { price: 10.004, specialPrice: 10.001 })).json().error).toMatchObject({ code: 'PRD_008' });
    expect((await patch(store, id, { price: 10.006, specialPrice: 10.001 })).statusCode).toBe(200);
    expect([(await productRow(id)).price, (await productRow(id)).special_price].map(Number)).toEqual([10.01, 10]);
  });

  it('applies concurrent PATCHes of one product one after another: each change is versioned, audited and evented once', async () => {
    const store = await createTestStore(ctx, 2);
    await subscribeToAllEvents(ctx, store);
    const id = await simpleProduct(store);
    const results = await Promise.all(Array.from({ length: 12 }, (_, n) => patch(store, id, { name: `Name ${n}`, stock: n })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(12).fill(200));
    const versions = results.map((r) => Number(JSON.parse(r.headers.etag as string))).sort((a, b) => a - b);
    expect(new Set(versions).size).toBe(12);
    const row = await productRow(id);
    expect(row.version).toBe(13);
    // The last version belongs to the request whose values the row holds.
    const n = results.findIndex((r) => r.headers.etag === '"13"');
    expect(row.name).toBe(`Name ${n}`);
    expect((await stockRows(id)).map((r) => r.stock)).toEqual([n, n]);
    expect(row.stock).toBe(2 * n);
    const [{ audits }] = await ctx.sql`select count(*)::int as audits from audit_events where resource_id = ${id} and action = 'product.updated'`;
    const [{ events }] = await ctx.sql`select count(*)::int as events from outbox_events where type = 'product.updated' and payload->>'id' = ${id}`;
    expect([audits, events]).toEqual([12, 12]);
  });

  it('writes nothing for a PATCH that changes nothing', async () => {
    const store = await createTestStore(ctx, 1);
    const id = await simpleProduct(store);
    await patch(store, id, { stock: 5 });
    const again = await patch(store, id, { name: 'Product', stock: 5, price: 100 });
    expect(again.json().data.updatedFields).toEqual([]);
    expect(again.headers.etag).toBe('"2"');
    expect((await productRow(id)).version).toBe(2);
    const [{ audits }] = await ctx.sql`select count(*)::int as audits from audit_events where resource_id = ${id}`;
    expect(audits).toBe(1);
  });

  it("refuses another product's externalId or SKU, or a variant's SKU, and writes nothing", async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'MINE');
    const other = await simpleProduct(store, 'THEIRS');
    await ctx.sql`insert into product_variants (store_id, product_id, sku) values (${store.storeId}, ${other}, 'THEIR-VARIANT')`;
    const byExternal = await patch(store, id, { name: 'X', externalId: 'ext-THEIRS' });
    expect([byExternal.statusCode, byExternal.json().error.code]).toEqual([409, 'PRD_002']);
    expect((await patch(store, id, { sku: 'THEIRS' })).json().error.code).toBe('PRD_003');
    expect((await patch(store, id, { sku: 'THEIR-VARIANT' })).json().error.code).toBe('PRD_003');
    expect(await productRow(id)).toMatchObject({ name: 'Product', sku: 'MINE', external_id: 'ext-MINE', version: 1 });
    expect((await patch(store, id, { sku: 'MINE', externalId: 'ext-MINE', name: 'Same keys' })).statusCode).toBe(200);
  });
});
