-- An externalId is unique per store across products and variants, as a SKU is (0085): PATCH
-- /inventory finds either by it, and where a product and a variant held one externalId it
-- found the variant (stock-rows.ts keeps the last of its matches), so the product's stock could
-- not be set by it. Each table's unique index covers its own rows; the accept checks compare
-- the two tables, but only with what was committed when a request came in: a product sent by
-- catalog/sync and a variant sent by catalog/with-variants/sync with one externalId were both
-- accepted, and both written. 0085's triggers now refuse the second one written for either key,
-- as a unique index would (23505, constraint <table>_external_id_not_other_table_external_id:
-- the row's PRD_002, refusedRowFailure), under the same per-store lock.
--
-- One trigger a table checks both keys, rather than a trigger a key: the lock, the pass over the
-- transition table and, for products, the probe for any variant of the store are paid once.
-- Cost (bench/probe-key-guard.ts, embedded PostgreSQL 18 on a 2-core VM with other test suites
-- running, three runs; the trigger functions' own time, pg_stat_user_functions): 1,000 new
-- products by writeProducts in a store without variants 0.24-0.52 ms (0085 alone: 0.26-0.29;
-- two triggers a table: 0.49-0.82), in a store with 3,000 variants 2.30-2.93 ms (0085:
-- 1.26-1.87; two triggers: 2.89-4.09); 1,000 new products with variants and their 1,000
-- variants 4.10-5.01 ms (0085: 1.30-1.97; two triggers: 4.37-5.47); chunks of 38-88 ms.
-- EXPLAIN ANALYZE gives the products' trigger 2.29-2.32 ms in the store with variants (0085:
-- 1.18-1.28), the variants' 2.47-2.59 ms (0085: 1.20-1.29): a second index probe a row. The
-- chunks' medians with and without the triggers differed by -7% to +23% (0085's by -17% to
-- +8%): the load, not the cost.
--
-- Products with variants hold an externalId and no SKU, so their inserts now take the store's
-- lock too, in shared mode, where 0085 skipped them; a with-variants chunk then wants it
-- exclusive for its variants, and two such chunks of a store, each holding it shared, waited for
-- each other (a deadlock, one ended by PostgreSQL). So a writer of variants (a with-variants
-- chunk, a PATCH with variants) takes it exclusive before its first write
-- (lock_store_keys_for_variants): its products' writes then find it held. As with 0085, a
-- with-variants chunk and a simple chunk accepted at once with one externalId (a parent's) can
-- still deadlock when the simple chunk's insert holds the key and waits for the lock: PostgreSQL
-- ends one, whose job runs again and then finds the key taken.
--
-- Rows that share an externalId already (written before this) are left as they are, as 0085
-- left SKUs, and the migration does not fail on them: the triggers look only at keys that are
-- new or changed, so such rows can still be written otherwise, and a key that changes must be
-- free. They are found with
--   select p.store_id, p.external_id from products p
--   join product_variants v on v.store_id = p.store_id and v.external_id = p.external_id;

alter function store_sku_lock_space() rename to store_keys_lock_space;

-- The store's lock as a writer of its variants takes it, before its first write (see above).
create function lock_store_keys_for_variants(p_store_id uuid) returns void language sql as
  'select pg_advisory_xact_lock(store_keys_lock_space(), hashtext(p_store_id::text))';

-- Refuses `key`, new in `written`.`key_column`, that the store's other table holds, as a unique
-- index would: the constraint names the column, which is how the app tells PRD_002 from PRD_003.
create function refuse_key_of_other_table(written text, key_column text, key text) returns void language plpgsql as $$
begin
  raise unique_violation using message = format('%s %s is taken by a %s of the same store',
      case key_column when 'sku' then 'SKU' else 'externalId' end, key,
      case written when 'products' then 'variant' else 'product' end),
    constraint = format('%s_%s_not_other_table_%s', written, key_column, key_column), table = written, column = key_column;
end $$;

-- New products' SKUs and externalIds: none a variant's. A store without variants (most) costs one probe.
-- Renamed with its trigger, which keeps its place among the products' insert triggers (by name).
alter function products_skus_not_variants() rename to products_skus_external_ids_not_variants;
alter trigger products_skus_not_variants on products rename to products_skus_external_ids_not_variants;
create or replace function products_skus_external_ids_not_variants() returns trigger language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  stores uuid[];
  taken record;
begin
  -- Sorted: a statement of several stores' products takes their locks in one order.
  select array_agg(distinct store_id order by store_id) into stores from new_rows where sku is not null or external_id is not null;
  if stores is null then return null; end if;
  perform pg_advisory_xact_lock_shared(store_keys_lock_space(), hashtext(s::text)) from unnest(stores) s;
  -- Ordered by the index's next column, so that the generic plan cannot be a scan of the table
  -- (with few stores in the statistics, a LIMIT 1 scan looked cheap: 6.4 ms where a store had no
  -- variants in a 53,000-variant table, against one probe of the index).
  if not exists (select 1 from unnest(stores) s
      cross join lateral (select 1 from product_variants z where z.store_id = s order by z.product_id limit 1) z) then
    return null;
  end if;
  -- A probe of each unique index a row, in one pass over the rows.
  select n.sku, n.external_id, s.hit as sku_taken into taken
  from new_rows n
  left join lateral (select true as hit from product_variants v where v.store_id = n.store_id and v.sku = n.sku limit 1) s on true
  left join lateral (select true as hit from product_variants v where v.store_id = n.store_id and v.external_id = n.external_id limit 1) e on true
  where s.hit or e.hit
  limit 1;
  if not found then return null; end if;
  if taken.sku_taken then perform refuse_key_of_other_table('products', 'sku', taken.sku); end if;
  perform refuse_key_of_other_table('products', 'external_id', taken.external_id);
  return null;
end $$;

-- New variants' SKUs and externalIds: none a product's. Renamed as the products' one; its name
-- still sorts after product_variants_product_exists, which locks the parents first, as before.
alter function product_variants_skus_not_products() rename to product_variants_skus_external_ids_not_products;
alter trigger product_variants_skus_not_products on product_variants rename to product_variants_skus_external_ids_not_products;
create or replace function product_variants_skus_external_ids_not_products() returns trigger language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  taken record;
begin
  perform pg_advisory_xact_lock(store_keys_lock_space(), hashtext(s::text))
  from (select distinct store_id from new_rows order by 1) k (s);
  select n.sku, n.external_id, s.hit as sku_taken into taken
  from new_rows n
  left join lateral (select true as hit from products p where p.store_id = n.store_id and p.sku = n.sku limit 1) s on true
  left join lateral (select true as hit from products p where p.store_id = n.store_id and p.external_id = n.external_id limit 1) e on true
  where s.hit or e.hit
  limit 1;
  if not found then return null; end if;
  if taken.sku_taken then perform refuse_key_of_other_table('product_variants', 'sku', taken.sku); end if;
  perform refuse_key_of_other_table('product_variants', 'external_id', taken.external_id);
  return null;
end $$;

-- A changed SKU or externalId (PATCH, bulk updates, a variant set): rare, so checked a row at a
-- time; only the key that changed, so that rows already sharing the other one can still be written.
drop trigger products_sku_changed_not_variant on products;
drop trigger product_variants_sku_changed_not_product on product_variants;
drop function sku_changed_not_other_table();
drop function refuse_sku_of_other_table(text, text);
create function sku_external_id_changed_not_other_table() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'products' then
    perform pg_advisory_xact_lock_shared(store_keys_lock_space(), hashtext(new.store_id::text));
    if new.sku is distinct from old.sku
        and exists (select 1 from product_variants v where v.store_id = new.store_id and v.sku = new.sku) then
      perform refuse_key_of_other_table(tg_table_name, 'sku', new.sku);
    end if;
    if new.external_id is distinct from old.external_id
        and exists (select 1 from product_variants v where v.store_id = new.store_id and v.external_id = new.external_id) then
      perform refuse_key_of_other_table(tg_table_name, 'external_id', new.external_id);
    end if;
  else
    perform pg_advisory_xact_lock(store_keys_lock_space(), hashtext(new.store_id::text));
    if new.sku is distinct from old.sku
        and exists (select 1 from products p where p.store_id = new.store_id and p.sku = new.sku) then
      perform refuse_key_of_other_table(tg_table_name, 'sku', new.sku);
    end if;
    if new.external_id is distinct from old.external_id
        and exists (select 1 from products p where p.store_id = new.store_id and p.external_id = new.external_id) then
      perform refuse_key_of_other_table(tg_table_name, 'external_id', new.external_id);
    end if;
  end if;
  return null;
end $$;
-- Named to fire where 0085's did: before 0088's products_sku_left_reevaluate, after product_variants_activity.
create trigger products_sku_external_id_changed_not_variant after update of sku, external_id on products
  for each row when ((new.sku is not null and old.sku is distinct from new.sku)
    or (new.external_id is not null and old.external_id is distinct from new.external_id))
  execute function sku_external_id_changed_not_other_table();
create trigger product_variants_sku_external_id_changed_not_product after update of sku, external_id on product_variants
  for each row when (old.sku is distinct from new.sku
    or (new.external_id is not null and old.external_id is distinct from new.external_id))
  execute function sku_external_id_changed_not_other_table();
