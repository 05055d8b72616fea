-- The triggers of a warehouse_stock INSERT (a catalog import writes ~2.7 rows a product)
-- visit each product once instead of three times, and recount no variant that has no new row.
--
-- Before: the references trigger (0061) looked up every product FOR KEY SHARE, the stock
-- trigger (0066) looked it up again to lock it FOR NO KEY UPDATE, and the recount
-- (refresh_stock_aggregates) looked up every variant of every product, new rows or not.
-- Now the stock trigger's lock also counts the products it found and raises the foreign
-- key violation itself: FOR NO KEY UPDATE is the stronger lock (a concurrent DELETE of
-- the product waits for it all the same), so the references trigger checks only variants
-- and warehouses. A variant's stock is the sum of its own rows, so an INSERT or DELETE
-- recounts only the variants its rows name.
--
-- And every recount runs with hash and merge joins off. With force_generic_plan alone,
-- the plan a connection cached first decided: planned while the store was still small,
-- the recount's UPDATE joined its few products to a sequential scan of products, so each
-- chunk of an import scanned the whole store: 350 ms a call instead of 30 (seen with
-- pg_stat_statements in one import of 100,000 products; the "one import in five" that cost
-- PostgreSQL 1.5-2x its usual CPU).

create function lock_products_for_stock(p_store_ids uuid[], p_product_ids uuid[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  wanted bigint;
  found bigint;
begin
  select count(*), count(l.ok) into wanted, found
  from (select distinct s, p from unnest(p_store_ids, p_product_ids) as k (s, p) order by s, p) k
  left join lateral (select true as ok from products x where x.store_id = k.s and x.id = k.p limit 1 for no key update) l on true;
  if found < wanted then
    raise foreign_key_violation using message = 'warehouse_stock references a product that does not exist';
  end if;
end $$;

-- Recounts the stock of the given products (and of the given variants) from their rows.
create function recount_stock(p_store_ids uuid[], p_product_ids uuid[], p_variant_ids uuid[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan set enable_hashjoin = off set enable_mergejoin = off as $$
begin
  if exists (select 1 from unnest(p_variant_ids) as v (id) where v.id is not null) then
    with keys as (
      select distinct s as store_id, v as variant_id from unnest(p_store_ids, p_variant_ids) as k (s, v) where v is not null
    ), totals as (
      select v.store_id, v.id, v.stock,
        (select coalesce(sum(ws.stock), 0)::int from warehouse_stock ws
          where ws.store_id = v.store_id and ws.product_id = v.product_id and ws.variant_id = v.id) as total
      from keys k
      cross join lateral (select store_id, id, product_id, stock from product_variants pv
        where pv.store_id = k.store_id and pv.id = k.variant_id limit 1) v
    )
    update product_variants v set stock = t.total, updated_at = now()
    from totals t
    where t.stock <> t.total and v.store_id = t.store_id and v.id = t.id;
  end if;

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

-- Activating or deactivating a variant changes what its product counts, not the variant's own stock.
create or replace function refresh_stock_aggregates(p_store_ids uuid[], p_product_ids uuid[])
returns void language plpgsql set plan_cache_mode = force_generic_plan as $$
begin
  perform recount_stock(p_store_ids, p_product_ids, '{}');
end $$;

create or replace function warehouse_stock_sync() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
begin
  if tg_op = 'UPDATE' then
    if not exists (select 1 from new_rows) then return null; end if;
    perform apply_stock_deltas(
      array(select store_id from new_rows) || array(select store_id from old_rows),
      array(select product_id from new_rows) || array(select product_id from old_rows),
      array(select variant_id from new_rows) || array(select variant_id from old_rows),
      array(select stock from new_rows) || array(select -stock from old_rows));
  elsif tg_op = 'DELETE' then
    perform lock_stock_products(array(select store_id from old_rows), array(select product_id from old_rows));
    perform recount_stock(array(select store_id from old_rows), array(select product_id from old_rows), array(select variant_id from old_rows));
  else
    if not exists (select 1 from new_rows) then return null; end if;
    -- Locks and counts the products (the foreign key check), then recounts in a statement of its own (0066).
    perform lock_products_for_stock(array(select store_id from new_rows), array(select product_id from new_rows));
    perform recount_stock(array(select store_id from new_rows), array(select product_id from new_rows), array(select variant_id from new_rows));
  end if;
  return null;
end $$;

-- Products are checked (and locked) by warehouse_stock_sync above; variants and warehouses here.
create or replace function warehouse_stock_check_references() returns trigger language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  wanted integer;
  found integer;
begin
  if not exists (select 1 from new_rows) then return null; end if;
  select count(*), count(x.ok) into wanted, found
  from (select distinct store_id, product_id, variant_id from new_rows where variant_id is not null) k
  left join lateral (select true as ok from product_variants v
    where v.store_id = k.store_id and v.id = k.variant_id and v.product_id = k.product_id limit 1 for key share) x on true;
  if found < wanted then
    raise foreign_key_violation using message = 'warehouse_stock references a variant that does not exist (or is not of its product)';
  end if;

  select count(*), count(x.ok) into wanted, found
  from (select distinct store_id, warehouse_id from new_rows) k
  left join lateral (select true as ok from warehouses w
    where w.store_id = k.store_id and w.id = k.warehouse_id limit 1 for key share) x on true;
  if found < wanted then
    raise foreign_key_violation using message = 'warehouse_stock references a warehouse that does not exist';
  end if;
  return null;
end $$;
