-- A SKU is unique per store across products and variants (PATCH /inventory and the price
-- endpoint find either by it). Each table's unique index covers its own rows; the accept
-- checks compare the two tables, but only with what was committed when a request came in:
-- a product sent by catalog/sync and a variant sent by catalog/with-variants/sync with the
-- same SKU were both accepted, and both written. The triggers below refuse the second one
-- written, as a unique index would (23505), whatever the order and the overlap of the writers.
--
-- How: the writers of a store's SKUs take one transaction-scoped advisory lock of the store,
-- products' writers in shared mode (simple imports of one store still run side by side, and
-- their own index keeps their SKUs apart), variants' writers alone; each then looks for its
-- new SKUs in the other table. Holding the lock, a writer sees every SKU the other table's
-- writers of the store have written: none of them is in flight. Per-SKU locks would block
-- less, but a 1,000-row statement would take 1,000 locks of the shared lock table
-- (max_locks_per_transaction x connections, 6,400 by default) for each concurrent chunk.
--
-- Cost (bench/probe-sku-guard.ts, embedded PostgreSQL 18, a 2-core VM; the trigger function's own
-- time, pg_stat_user_functions, and the trigger's time in EXPLAIN ANALYZE): a chunk of 1,000 new
-- products by writeProducts (~36-48 ms) 0.22-0.28 ms in a store without variants (0.6-0.8%: the
-- lock and one probe), 1.13-1.35 ms in a store with variants (3.1-3.8%: a probe a SKU); 1,000 new
-- variants 1.11-1.27 ms (2.4-3.2%). The chunks' medians with and without the trigger differ by
-- -7% to +16% from run to run: noise and position, larger than the cost (with the trigger on in
-- both groups, they differed by up to +10% too).
-- With-variants chunks of one store wait for each other from their variants' insert to their
-- commit, and simple imports of the store for them (and they for a simple import's chunk).
-- A with-variants chunk that waits for a simple chunk of the store whose product takes one of
-- its parents' externalIds meanwhile (both accepted at once) deadlocks with it: PostgreSQL ends
-- one of them, whose job runs again and then finds the key taken.

-- Namespace of the lock (the two-key form: apart from every one-key advisory lock).
create function store_sku_lock_space() returns int language sql immutable as 'select 84';

-- Refuses a SKU written to `written` that the store's other table holds, as a unique index would.
create function refuse_sku_of_other_table(written text, sku text) returns void language plpgsql as $$
begin
  raise unique_violation using message = format('SKU %s is taken by a %s of the same store', sku,
      case written when 'products' then 'variant' else 'product' end),
    constraint = written || '_sku_not_other_table_sku', table = written;
end $$;

-- New products' SKUs: none a variant's. A store without variants (most) costs one probe.
create function products_skus_not_variants() returns trigger language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  stores uuid[];
  taken text;
begin
  -- Sorted: a statement of several stores' products takes their locks in one order.
  select array_agg(distinct store_id order by store_id) into stores from new_rows where sku is not null;
  if stores is null then return null; end if;
  perform pg_advisory_xact_lock_shared(store_sku_lock_space(), hashtext(s::text)) from unnest(stores) s;
  -- Ordered by the index's next column, so that the generic plan cannot be a scan of the table
  -- (with few stores in the statistics, a LIMIT 1 scan looked cheap: 6.4 ms where a store had no
  -- variants in a 53,000-variant table, against one probe of the index).
  if not exists (select 1 from unnest(stores) s
      cross join lateral (select 1 from product_variants z where z.store_id = s order by z.product_id limit 1) z) then
    return null;
  end if;
  select n.sku into taken
  from new_rows n
  join lateral (select 1 from product_variants v where v.store_id = n.store_id and v.sku = n.sku limit 1) v on true
  limit 1;
  if taken is not null then perform refuse_sku_of_other_table('products', taken); end if;
  return null;
end $$;
create trigger products_skus_not_variants after insert on products
  referencing new table as new_rows for each statement execute function products_skus_not_variants();

-- New variants' SKUs: none a product's.
create function product_variants_skus_not_products() returns trigger language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  taken text;
begin
  perform pg_advisory_xact_lock(store_sku_lock_space(), hashtext(s::text))
  from (select distinct store_id from new_rows order by 1) k (s);
  select n.sku into taken
  from new_rows n
  join lateral (select 1 from products p where p.store_id = n.store_id and p.sku = n.sku limit 1) p on true
  limit 1;
  if taken is not null then perform refuse_sku_of_other_table('product_variants', taken); end if;
  return null;
end $$;
create trigger product_variants_skus_not_products after insert on product_variants
  referencing new table as new_rows for each statement execute function product_variants_skus_not_products();

-- A changed SKU (PATCH, products/bulk updates, a variant set): rare, so checked a row at a time.
create function sku_changed_not_other_table() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'products' then
    perform pg_advisory_xact_lock_shared(store_sku_lock_space(), hashtext(new.store_id::text));
    if exists (select 1 from product_variants v where v.store_id = new.store_id and v.sku = new.sku) then
      perform refuse_sku_of_other_table(tg_table_name, new.sku);
    end if;
  else
    perform pg_advisory_xact_lock(store_sku_lock_space(), hashtext(new.store_id::text));
    if exists (select 1 from products p where p.store_id = new.store_id and p.sku = new.sku) then
      perform refuse_sku_of_other_table(tg_table_name, new.sku);
    end if;
  end if;
  return null;
end $$;
create trigger products_sku_changed_not_variant after update of sku on products
  for each row when (new.sku is not null and old.sku is distinct from new.sku) execute function sku_changed_not_other_table();
create trigger product_variants_sku_changed_not_product after update of sku on product_variants
  for each row when (old.sku is distinct from new.sku) execute function sku_changed_not_other_table();
