-- A floor under the planner's estimate of a store's products and variants: store_id's number of
-- distinct values is taken as 5% of the rows (an average store of 20), whatever ANALYZE counts.
--
-- Why: in a marketplace of one-product stores, ANALYZE counts nearly as many stores as rows
-- (n_distinct -0.87 to -1), so any store the statistics do not list, and any store compared unseen
-- (unseenStore, a generic plan), is estimated at one row or fewer. Every index that starts with
-- store_id then costs as little as the key's own, and a lookup by the store and a key read the store
-- through one of them, the key a mere filter: bench/probe-one-product-stores.ts, 20,000 one-product
-- stores and a store of 3,000 products (600 with 3 variants), 100 keys looked up one by one: 222,678
-- product index entries by id, 34,750 by SKU or externalId, 85,394 variant entries by id
-- (PostgreSQL 18; PostgreSQL 15, 5,000 such stores: 222,678, 203,869 and 85,928), with the store
-- analysed or not. With the floor: 100 (101 for the variants), one probe a key.
--
-- The stores the statistics list (the big ones, in the most-common values) keep their own counts;
-- the others and the unseen one are estimated at ~20 rows instead of the table's rows over its
-- stores (one, in such a marketplace; tens of thousands where a few big stores share the table).
-- The override takes effect at the next ANALYZE: run here, so that it holds from now on.
alter table products alter column store_id set (n_distinct = -0.05);
alter table product_variants alter column store_id set (n_distinct = -0.05);
analyze products;
analyze product_variants;
