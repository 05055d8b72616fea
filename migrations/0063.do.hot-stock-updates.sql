-- Stock changes rewrite rows in place (HOT updates) instead of adding an entry to
-- every index of the row. A product row is ~1 KB with nine indexes; when a stock
-- update changed an indexed column (stock itself, or updated_at), each of the 1,000
-- products of an inventory chunk got a new version in all nine: 69-99 ms per 1,000
-- rows, against 17-22 ms for the same update kept HOT (measured on 50,000 products).
-- So:
--  * stock is not indexed: sortBy=stock orders the store's rows in memory (a top-N
--    sort; the other sort keys keep their indexes);
--  * a change of stock alone does not move products.updated_at (like inventory levels
--    elsewhere, stock has its own history: batches, audit, stock.update.* events;
--    updatedSince and sortBy=updatedAt follow changes to the product's own fields);
--  * the tables leave room in each page for the new versions (fillfactor), which only
--    applies to pages written from now on.
drop index products_store_stock_idx;
alter table products set (fillfactor = 85);
alter table product_variants set (fillfactor = 85);
alter table warehouse_stock set (fillfactor = 80);

-- refresh_stock_aggregates (0060) leaves products.updated_at alone for the same reason.
