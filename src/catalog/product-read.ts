import { variantReadOrder } from './variant-order.js';
import type { Queryable } from '../db/database.js';
import { pageWithTotal } from '../db/page.js';
import { exactInstant, isoTime } from '../db/iso-time.js';
import { CURSOR_SORTS, decodeCursor, encodeCursor, type CursorSort } from './product-cursor.js';
import { microsOf, timeOfMicros } from '../db/list-cursor.js';

/** The stock of the product `p` (migration 0075: product_stock holds it, one row a product). */
export const productStock = (sql: Queryable) => sql`coalesce((select s.stock from product_stock s where s.store_id = p.store_id and s.product_id = p.id), 0)`;

/**
 * The full product as partners read it: every field, per-warehouse stock, and
 * its variants with their own per-warehouse stock, built by PostgreSQL in one
 * query (json aggregation), for one product or a page of them.
 */
export const productJson = (sql: Queryable, variantActive: boolean | undefined) => sql`
  json_build_object(
    'id', p.id, 'externalId', p.external_id, 'sku', p.sku, 'name', p.name, 'description', p.description,
    'price', p.price::float8, 'specialPrice', p.special_price::float8, 'stock', ${productStock(sql)}, 'weight', p.weight,
    'dimensions', case when p.length is null and p.width is null and p.height is null then null
      else json_build_object('length', p.length::float8, 'width', p.width::float8, 'height', p.height::float8) end,
    'minOrder', p.min_order, 'categoryId', p.category_id, 'subCategoryId', p.sub_category_id, 'typeId', p.type_id,
    'brandId', p.brand_id, 'barcode', p.barcode, 'hashtags', p.hashtags, 'condition', p.condition, 'photos', p.photos,
    'officialBanners', p.official_banners, 'thumbnails', p.thumbnails, 'isPreorder', p.is_preorder,
    'preorderPeriod', p.preorder_period, 'isArchived', p.is_archived, 'insuranceRequired', p.insurance_required,
    'codEnabled', p.cod_enabled, 'isVerified', p.is_verified, 'hasVariants', p.has_variants, 'version', p.version,
    'createdAt', ${isoTime(sql, 'p.created_at')}, 'updatedAt', ${isoTime(sql, 'p.updated_at')},
    -- Every warehouse of the store, 0 where it holds no row for the product: one added since (a
    -- product with no stock had no row there) was left out, so the list's shape followed its history (QA).
    'warehouses', case when p.has_variants then '[]'::json else coalesce((
      select json_agg(json_build_object('clientId', w.client_id, 'name', w.name, 'stock', coalesce(ws.stock, 0)) order by w.client_id)
      from warehouses w left join warehouse_stock ws on ws.store_id = w.store_id and ws.warehouse_id = w.id and ws.product_id = p.id and ws.variant_id is null
      where w.store_id = p.store_id), '[]') end,
    'variants', coalesce((
      select json_agg(json_build_object(
        'id', v.id, 'externalId', v.external_id, 'sku', v.sku, 'options', v.options, 'price', v.price::float8,
        'specialPrice', v.special_price::float8, 'stock', v.stock, 'barcode', v.barcode, 'photos', v.photos, 'isActive', v.is_active,
        'warehouses', coalesce((
          select json_agg(json_build_object('clientId', w.client_id, 'name', w.name, 'stock', coalesce(ws.stock, 0)) order by w.client_id)
          from warehouses w left join warehouse_stock ws on ws.store_id = w.store_id and ws.warehouse_id = w.id and ws.product_id = v.product_id and ws.variant_id = v.id
          where w.store_id = v.store_id), '[]')
      ) order by ${sql.unsafe(variantReadOrder('v'))})
      from product_variants v where v.store_id = p.store_id and v.product_id = p.id
        ${variantActive === undefined ? sql`` : sql`and v.is_active = ${variantActive}`}), '[]')
  )`;

export async function getProduct(sql: Queryable, storeId: string, productId: string, variantActive?: boolean) {
  const [row] = await sql<{ product: any }[]>`select ${productJson(sql, variantActive)} as product from products p where p.store_id = ${storeId} and p.id = ${productId}`;
  return row?.product ?? null;
}

/** By SKU: a product's own SKU, or the SKU of one of its variants. */
export async function getProductBySku(sql: Queryable, storeId: string, sku: string, variantActive?: boolean) {
  const [row] = await sql<{ product: any }[]>`
    select ${productJson(sql, variantActive)} as product from products p
    where p.store_id = ${storeId} and p.id = coalesce(
      (select id from products where store_id = ${storeId} and sku = ${sku}),
      (select product_id from product_variants where store_id = ${storeId} and sku = ${sku}))`;
  return row?.product ?? null;
}

export interface ProductQuery {
  q?: string; isArchived?: boolean; isAvailableStock?: boolean; isVerified?: boolean; isVariantActive?: boolean;
  externalId?: string; updatedSince?: string; after?: string;
  sortBy: 'createdAt' | 'updatedAt' | 'name' | 'price' | 'stock'; order: 'asc' | 'desc'; page: number; limit: number;
}

/**
 * Whether the product `p` has stock, as a semi-join PostgreSQL can run over the store's stock rows
 * at once: productStock's scalar look-up compared with 0 was run for every product of the store,
 * in the count and again in the page (isAvailableStock over 320,000 products: 0.45-0.8 s a page; review).
 */
const inStock = (sql: Queryable) => sql`exists (select 1 from product_stock s where s.store_id = p.store_id and s.product_id = p.id and s.stock > 0)`;

/** `text` as an ILIKE pattern matching itself: its %, _ and \ (the default escape) escaped. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, '\\$&');

const SORT_COLUMNS = { createdAt: 'created_at', updatedAt: 'updated_at', name: 'name', price: 'price' } as const;

/**
 * `q=` as a name contains it, in either Unicode normalization: a name typed on macOS is often
 * decomposed (NFD: Korean syllables as their letters, "é" as "e" and an accent), and `q=café` or
 * `q=티셔츠` typed composed found none of them (Unicode QA). Names are matched as stored: one
 * wholly in one form or the other is found, whichever form the search comes in.
 */
const nameContains = (text: string) => [...new Set([text.normalize('NFC'), text.normalize('NFD')])].map((t) => `%${likeLiteral(t)}%`);

/**
 * A page of the store's products; the order is total (id breaks ties), so pages never overlap; the
 * total from the page's snapshot (db/page.ts). Ordered by a time, the page also tells where it
 * ended (`nextCursor`, product-cursor.ts; null on the last page), and `after` starts a page there.
 */
export async function listProducts(sql: Queryable, storeId: string, q: ProductQuery) {
  const cursor = q.after === undefined ? undefined : decodeCursor(q.after, q);
  const byTime = CURSOR_SORTS.includes(q.sortBy);
  const where = () => sql`p.store_id = ${storeId}
    ${q.q ? sql`and (p.name ilike any(${nameContains(q.q)}::text[]) or p.sku = ${q.q} or p.external_id = ${q.q}
      or p.id in (select v.product_id from product_variants v where v.store_id = ${storeId} and (v.sku = ${q.q} or v.external_id = ${q.q})))` : sql``}
    ${q.isArchived === undefined ? sql`` : sql`and p.is_archived = ${q.isArchived}`}
    ${q.isAvailableStock === undefined ? sql`` : sql`and ${q.isAvailableStock ? sql`` : sql`not`} ${inStock(sql)}`}
    ${q.isVerified === undefined ? sql`` : sql`and p.is_verified = ${q.isVerified}`}
    ${q.externalId === undefined ? sql`` : sql`and p.external_id = ${q.externalId}`}
    ${q.updatedSince === undefined ? sql`` : sql`and p.updated_at >= ${exactInstant(sql, q.updatedSince)}`}`;
  // Stock by a join of the store's stock rows, not productStock's look-up a product (review: a
  // sortBy=stock page of 320,000 products probed product_stock for each).
  const column = q.sortBy === 'stock' ? sql`coalesce(s.stock, 0)` : sql`p.${sql(SORT_COLUMNS[q.sortBy])}`;
  const stockJoin = q.sortBy === 'stock' ? sql`left join product_stock s on s.store_id = p.store_id and s.product_id = p.id` : sql``;
  const direction = q.order === 'asc' ? sql`asc` : sql`desc`;
  // After the cursor's product in this order: its time exactly (timeOfMicros), then its id. The
  // times are never null: ordered without `nulls last`, a descending page reads (store_id, time,
  // id) backward and stops at its limit (with it: the rest of the store, review).
  const after = cursor
    ? sql`and (${column}, p.id) ${q.order === 'asc' ? sql`>` : sql`<`} (${timeOfMicros(sql, cursor.micros)}, ${cursor.id}::uuid)` : sql``;
  // Ordered by a time, one product more than the page: whether there is a next page to point to.
  // The page's ids first, then each one's JSON: with the JSON in the paged select, PostgreSQL built
  // it for every row the offset skips (a page past the end of 750,000 products took 13.6 s, and a
  // dozen of them stalled the API's other requests for 83 s; QA).
  // Only price may be null (stock is coalesced): a name read `nulls last` in descending order could
  // not read its index backward, and sorted the whole store (0.55 s at 320,000 products; review).
  const nulls = q.sortBy === 'price' ? sql`nulls last` : sql``;
  const { total, rows } = await pageWithTotal<{ product: any; key: string; id: string }>(sql, sql`select count(*)::int as total from products p where ${where()}`, sql`
    select j.product, pg.key, pg.id
    from (select p.id, ${column} as sort_value, ${byTime ? microsOf(sql, column) : sql`null`} as key
        from products p ${stockJoin} where ${where()} ${after}
        order by ${column} ${direction} ${nulls}, p.id ${direction}
        limit ${byTime ? q.limit + 1 : q.limit} offset ${cursor ? 0 : (q.page - 1) * q.limit}) pg
      -- Each page row's product by its key, a lateral kept whole (offset 0): joined, a generic plan
      -- hashed the store's products to find the page's 21 (review).
      cross join lateral (select ${productJson(sql, q.isVariantActive)} as product from products p
        where p.store_id = ${storeId} and p.id = pg.id offset 0) j
    order by pg.sort_value ${direction} ${nulls}, pg.id ${direction}`);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const nextCursor = byTime && rows.length > q.limit
    ? encodeCursor({ sortBy: q.sortBy as CursorSort, order: q.order, micros: last.key, id: last.id }) : null;
  return { total, items: page.map((r) => r.product), nextCursor };
}
