-- Orderings offered by GET /partner/stores/products (each with id as the tie-break, so
-- pages are stable), and lookups by variant SKU / externalId.
create index products_store_created_idx on products (store_id, created_at, id);
create index products_store_name_idx on products (store_id, name, id);
create index products_store_price_idx on products (store_id, price, id);
create index products_store_stock_idx on products (store_id, stock, id);
