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

-- As in 0060, but the products statement leaves updated_at alone, and an update of
-- stock rows (their keys never change, 0061) refreshes the products in new_rows only.
create or replace function refresh_stock_aggregates(p_store_ids uuid[], p_product_ids uuid[])
returns void language plpgsql set plan_cache_mode = force_generic_plan as $$
begin
  with keys as (
    select distinct s as store_id, p as product_id from unnest(p_store_ids, p_product_ids) as k (s, p)
  ), totals as (
    select v.store_id, v.id, v.stock,
      (select coalesce(sum(ws.stock), 0)::int from warehouse_stock ws
        where ws.store_id = v.store_id and ws.product_id = v.product_id and ws.variant_id = v.id) as total
    from keys k
    cross join lateral (select store_id, id, product_id, stock from product_variants pv
      where pv.store_id = k.store_id and pv.product_id = k.product_id limit 1000) v
  )
  update product_variants v set stock = t.total, updated_at = now()
  from totals t
  where t.stock <> t.total and v.store_id = t.store_id and v.id = t.id;

  with keys as (
    select distinct s as store_id, p as product_id from unnest(p_store_ids, p_product_ids) as k (s, p)
  ), totals as (
    select k.store_id, k.product_id, p.stock, a.total, a.rows
    from keys k
    cross join lateral (select stock from products x where x.store_id = k.store_id and x.id = k.product_id limit 1) p
    cross join lateral (
      select coalesce(sum(ws.stock) filter (where ws.variant_id is null or v.is_active), 0)::int as total, count(*) as rows
      from warehouse_stock ws
      left join product_variants v on v.store_id = ws.store_id and v.id = ws.variant_id
      where ws.store_id = k.store_id and ws.product_id = k.product_id) a
  )
  update products p set stock = t.total
  from totals t
  where t.stock <> t.total and p.store_id = t.store_id and p.id = t.product_id
    -- a product with no warehouse rows keeps its own stock (store without warehouses)
    and (t.rows > 0 or exists (select 1 from warehouses w where w.store_id = p.store_id));
end $$;

create or replace function warehouse_stock_sync() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
begin
  if tg_op = 'DELETE' then
    perform refresh_stock_aggregates(array(select store_id from old_rows), array(select product_id from old_rows));
  else
    if not exists (select 1 from new_rows) then return null; end if;
    perform refresh_stock_aggregates(array(select store_id from new_rows), array(select product_id from new_rows));
  end if;
  return null;
end $$;
