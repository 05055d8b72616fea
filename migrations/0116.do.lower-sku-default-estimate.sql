-- The lower(sku) indexes rebuilt without statistics on their expression (a statistics target of 0):
-- the planner takes a lower-cased SKU to match 1/200 of a store's rows, whatever ANALYZE would count.
--
-- Why: the duplicate-SKU checks (evaluate_quality, reevaluate_duplicate_sku_holders) compare
-- lower(sku) with a value the plan does not see, estimated from the index expression's statistics,
-- which 0115's n_distinct cannot override (an index's columns take no attribute options). Stores that
-- share a variant SKU scheme ("v1" in every one-product store) leave ANALYZE one distinct value, and
-- the check then looks like every row of the store: product_variants_store_lower_sku_idx costs what
-- any index on the store does, and the tie went to product_variants_product_idx with the store its
-- only condition. bench/probe-one-product-stores.ts (SAME_KEYS=1 ISSUES=1 SMALL_STORES=5000,
-- PostgreSQL 18): evaluate_quality of 100 products of a 3,000-product store read 288,121
-- product_variants index entries, 1,800 per duplicate check; 181 with this (shared-keys.test.ts).
-- reevaluate_duplicate_sku_holders of 100 variant SKUs there: 180,000 entries, 100 with this
-- (PostgreSQL 18 and 15).
-- A target of 0 only stops ANALYZE from taking new statistics: what it took before stays in
-- pg_statistic until the index goes, hence the rebuild, as new indexes that then take the old ones'
-- names. Built first: CREATE INDEX blocks writes to the table (reads go on) until the migration
-- commits, 531 ms for 1,000,000 (store, SKU) rows on PostgreSQL 15 here; DROP INDEX, which blocks
-- reads as well, comes last, just before the commit.
create index products_store_lower_sku_idx_0116 on products (store_id, lower(sku));
alter index products_store_lower_sku_idx_0116 alter column 2 set statistics 0;
create index product_variants_store_lower_sku_idx_0116 on product_variants (store_id, lower(sku));
alter index product_variants_store_lower_sku_idx_0116 alter column 2 set statistics 0;
drop index products_store_lower_sku_idx;
alter index products_store_lower_sku_idx_0116 rename to products_store_lower_sku_idx;
drop index product_variants_store_lower_sku_idx;
alter index product_variants_store_lower_sku_idx_0116 rename to product_variants_store_lower_sku_idx;
