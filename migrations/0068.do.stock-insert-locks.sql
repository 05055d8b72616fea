-- New stock rows lock their products before the aggregates are recomputed.
--
-- An INSERT of stock rows still recomputes (0066 says why). A recompute is only right
-- when it sees every committed change to the product's rows, and a statement's
-- snapshot is taken when it starts: if another transaction held the product (it had
-- changed another of its rows) the recompute waited for it with a total from before
-- that change, and overwrote it. Taking the products' row locks first, in id order,
-- means the recompute (its own statements, so new snapshots) starts after every other
-- writer of those products has committed. A new product is locked by the transaction
-- that created it, so the import only pays the lock itself.
create or replace function warehouse_stock_sync() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
begin
  if tg_op = 'UPDATE' then
    if not exists (select 1 from new_rows) then return null; end if;
    perform apply_stock_deltas(
      array(select store_id from new_rows) || array(select store_id from old_rows),
      array(select product_id from new_rows) || array(select product_id from old_rows),
      array(select variant_id from new_rows) || array(select variant_id from old_rows),
      array(select stock from new_rows) || array(select -stock from old_rows));
    return null;
  end if;
  if tg_op = 'DELETE' then
    perform lock_stock_products(array(select store_id from old_rows), array(select product_id from old_rows));
    perform refresh_stock_aggregates(array(select store_id from old_rows), array(select product_id from old_rows));
  else
    if not exists (select 1 from new_rows) then return null; end if;
    perform lock_stock_products(array(select store_id from new_rows), array(select product_id from new_rows));
    perform refresh_stock_aggregates(array(select store_id from new_rows), array(select product_id from new_rows));
  end if;
  return null;
end $$;

create function lock_stock_products(p_store_ids uuid[], p_product_ids uuid[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
begin
  perform 1
  from (select distinct s, p from unnest(p_store_ids, p_product_ids) as k (s, p) order by s, p) k
  cross join lateral (select 1 from products x where x.store_id = k.s and x.id = k.p limit 1 for no key update) l;
end $$;
