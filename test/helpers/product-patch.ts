import { signedInject, type TestContext, type TestStore } from './test-app.js';

/** What the PATCH /products/{id} test files share: the request, a product to patch, and its rows. */
export function productPatchHelpers(ctx: () => TestContext) {
  const patch = (store: TestStore, id: string, body: unknown, headers?: Record<string, string>) =>
    signedInject(ctx(), store, { method: 'PATCH', url: `/api/v1/partner/stores/products/${id}`, body, headers });

  async function simpleProduct(store: TestStore, sku = 'P-1', { stock, ...extra }: Record<string, unknown> = {}) {
    const { sql } = ctx();
    const [p] = await sql`insert into products ${sql({ store_id: store.storeId, external_id: `ext-${sku}`, sku, name: 'Product', price: 100, ...extra })} returning id`;
    if (stock !== undefined) await sql`update product_stock set stock = ${stock as number} where product_id = ${p.id}`;
    return p.id as string;
  }

  const stockRows = (productId: string) => ctx().sql`
    select coalesce(v.sku, '-') as variant, w.client_id, ws.stock from warehouse_stock ws
    join warehouses w on w.id = ws.warehouse_id left join product_variants v on v.id = ws.variant_id
    where ws.product_id = ${productId} order by 1, 2`;
  const productRow = async (id: string) => (await ctx().sql`select * from products_with_stock where id = ${id}`)[0];
  const variantRows = (productId: string) => ctx().sql`
    select sku, external_id, is_active, price::float8 as price, special_price::float8 as special_price, stock
    from product_variants where product_id = ${productId} order by sku`;

  return { patch, simpleProduct, stockRows, productRow, variantRows };
}
