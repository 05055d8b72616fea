-- New stock rows move the aggregates by their stock, as updated rows do (0071), instead of
-- recounting every row of their products.
--
-- Why: in the stock bench (100,000 updates, of which ~15,000 place stock in a warehouse of
-- a product for the first time) the recount of the inserted rows' products took 1.6-1.9 s
-- of PostgreSQL time in pg_stat_statements, for ~150 products a chunk: an index scan of
-- each product's rows and a variant probe for each row, before the same update of the
-- products that a delta needs.
--
-- A delta is right when an aggregate already equals the sum of its rows before the
-- statement. That holds for every product and variant of a store with warehouses: a new
-- product or variant starts at 0, or at the stock of the rows that its writer inserts next
-- with omni.stock_counted (0070); deletions and variant (de)activation still recount. The
-- one state it did not hold is a store's first warehouse: product-level stock written while
-- the store had none. Adding that warehouse now moves each product's stock into a row of it
-- (src/stores/warehouses.ts), so the sum of rows is the product's stock from then on,
-- where before the first row written for a product replaced its stock without a word.
--
-- The insert still locks its products first: the lock is their foreign key check (0069),
-- and it orders concurrent inserts for one product, each adding to the newest total.
create or replace function warehouse_stock_sync() returns trigger language plpgsql
set plan_cache_mode = force_generic_plan set enable_hashjoin = off set enable_mergejoin = off as $$
begin
  if tg_op = 'UPDATE' then
    with per_key as (
      select c.store_id, c.product_id, c.variant_id, sum(c.stock)::int as delta
      from (select n.store_id, n.product_id, n.variant_id, n.stock from new_rows n
            union all select o.store_id, o.product_id, o.variant_id, -o.stock from old_rows o) c
      group by 1, 2, 3 having sum(c.stock) <> 0
    ), variants as (
      update product_variants pv set stock = pv.stock + k.delta, updated_at = now()
      from per_key k where k.variant_id is not null and pv.store_id = k.store_id and pv.id = k.variant_id
      returning pv.store_id, pv.product_id, pv.is_active, k.delta
    ), d as (
      select x.store_id, x.product_id, sum(x.delta)::int as delta
      from (select k.store_id, k.product_id, k.delta from per_key k where k.variant_id is null
            union all select v.store_id, v.product_id, v.delta from variants v where v.is_active) x
      group by 1, 2 having sum(x.delta) <> 0
    )
    update products p set stock = p.stock + d.delta
    from d where p.store_id = d.store_id and p.id = d.product_id;
  elsif tg_op = 'DELETE' then
    perform lock_stock_products(array(select store_id from old_rows), array(select product_id from old_rows));
    perform recount_stock(array(select store_id from old_rows), array(select product_id from old_rows), array(select variant_id from old_rows));
  else
    -- A new product's rows, already counted (0070).
    if coalesce(current_setting('omni.stock_counted', true), '') = 'on' then
      perform set_config('omni.stock_counted', '', true);
      return null;
    end if;
    if not exists (select 1 from new_rows) then return null; end if;
    perform lock_products_for_stock(array(select store_id from new_rows), array(select product_id from new_rows));
    -- The UPDATE branch's statement with new_rows alone (an INSERT trigger has no old table).
    with per_key as (
      select n.store_id, n.product_id, n.variant_id, sum(n.stock)::int as delta
      from new_rows n
      group by 1, 2, 3 having sum(n.stock) <> 0
    ), variants as (
      update product_variants pv set stock = pv.stock + k.delta, updated_at = now()
      from per_key k where k.variant_id is not null and pv.store_id = k.store_id and pv.id = k.variant_id
      returning pv.store_id, pv.product_id, pv.is_active, k.delta
    ), d as (
      select x.store_id, x.product_id, sum(x.delta)::int as delta
      from (select k.store_id, k.product_id, k.delta from per_key k where k.variant_id is null
            union all select v.store_id, v.product_id, v.delta from variants v where v.is_active) x
      group by 1, 2 having sum(x.delta) <> 0
    )
    update products p set stock = p.stock + d.delta
    from d where p.store_id = d.store_id and p.id = d.product_id;
  end if;
  return null;
end $$;

-- A new warehouse of a store. The store's first one takes over the stock its products
-- held without warehouses, as rows already counted in that stock (0070's flag), with their
-- acceptance sequence, so that a stock update accepted before still loses to a later one.
-- The store's row lock orders concurrent additions: only one of them is the first.
create function add_warehouse(p_store_id uuid, p_client_id text, p_name text)
returns table (client_id text, name text) language plpgsql as $$
declare
  v_id uuid;
  v_first boolean;
begin
  perform 1 from stores s where s.id = p_store_id for update;
  v_first := not exists (select 1 from warehouses w where w.store_id = p_store_id);
  insert into warehouses (store_id, client_id, name) values (p_store_id, p_client_id, p_name) returning id into v_id;
  if v_first then
    perform set_config('omni.stock_counted', 'on', true);
    insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock, stock_seq)
    select p.store_id, p.id, null, v_id, p.stock, p.stock_seq
    from products p where p.store_id = p_store_id and not p.has_variants and p.stock > 0;
    -- No row inserted: the trigger still fired and took the flag (it fires once a statement).
  end if;
  return query select p_client_id, p_name;
end $$;
