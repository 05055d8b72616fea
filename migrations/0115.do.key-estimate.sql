-- Every SKU and externalId taken as distinct by the planner (n_distinct -1 on the key columns of
-- products and product_variants), whatever ANALYZE counts.
--
-- Why: a key is unique within its store, but stores repeat each other's keys: an ERP's row numbers
-- ("1", "2", …), a seller tool's "SKU-001". In a marketplace of small stores that share a scheme,
-- ANALYZE counts a handful of distinct values, and the planner takes a key compared with a value it
-- does not see (a parameter, the value of a lateral lookup: lookupByKey) to match rows / n_distinct
-- rows: with one scheme, every row of the store. The key's (store_id, key) index then costs what any
-- index on the store does, and the tie went to another: the catalog sync's accept looked each
-- externalId up through products_store_lower_sku_idx, the store its only condition. The bench's
-- import beside one-product stores keyed "small-1" (BENCH_SMALL_STORES, BENCH_SMALL_STORE_PRODUCTS=1):
-- 316 products/s with 20,000 such stores on PostgreSQL 18, 221 with 5,000 on 15 (30,000 rows),
-- accepts of 20-30 s, against ~4,000-6,000/s without them; 4,363/s with this (PostgreSQL 18).
-- bench/probe-one-product-stores.ts (SAME_KEYS=1): 100 externalIds of a 3,000-product store read
-- 203,869 index entries; 100 with this.
-- A value ANALYZE lists as common keeps its own frequency; any other is estimated at a row or so.
-- The override takes effect at the next ANALYZE: run here, so that it holds from now on.
alter table products alter column sku set (n_distinct = -1), alter column external_id set (n_distinct = -1);
alter table product_variants alter column sku set (n_distinct = -1), alter column external_id set (n_distinct = -1);
analyze products;
analyze product_variants;
