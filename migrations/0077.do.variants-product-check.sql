-- product_variants keep their product by a statement trigger instead of a per-row foreign
-- key, as warehouse_stock (0061) and products (0076) do. An import of products with
-- variants inserts a few thousand variants a statement; the foreign key's RI trigger took
-- 45.7-62.1 ms of an uncontended insert of 3,000 variants of 1,000 products (141-191 ms in
-- all), the statement trigger below 6.6-11.0 ms (60-126 ms in all; EXPLAIN ANALYZE, nine
-- runs each, alternating). The cascade the foreign key did (a deleted product takes its
-- variants along) moves to the products' delete trigger.

alter table product_variants drop constraint product_variants_store_id_product_id_fkey;

-- Every new variant's product exists in the variant's store, locked FOR KEY SHARE as the
-- foreign key locked it: a deletion of the product meanwhile waits for this transaction,
-- and then deletes the variants it wrote (below).
create function product_variants_check_product() returns trigger language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  wanted integer;
  found integer;
begin
  select count(*), count(x.ok) into wanted, found
  from (select distinct store_id, product_id from new_rows) k
  left join lateral (select true as ok from products p
    where p.store_id = k.store_id and p.id = k.product_id limit 1 for key share) x on true;
  if found < wanted then
    raise foreign_key_violation using message = 'product_variants references a product that does not exist';
  end if;
  return null;
end $$;
create trigger product_variants_product_exists after insert on product_variants
  referencing new table as new_rows for each statement execute function product_variants_check_product();

-- A variant belongs to one product for good (no writer moves it; the foreign key checked a move).
create function product_variants_keys_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'a variant cannot move to another product or store' using errcode = 'restrict_violation';
end $$;
create trigger product_variants_keys_immutable before update of store_id, product_id on product_variants
  for each row when (old.store_id is distinct from new.store_id or old.product_id is distinct from new.product_id)
  execute function product_variants_keys_immutable();

-- A deleted product takes its stock row, its variants (whose own delete trigger takes their
-- stock rows) and its warehouse rows along; the stock row still goes first (0075).
create or replace function warehouse_stock_cascade() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'products' then
    delete from product_stock where store_id = old.store_id and product_id = old.id;
    delete from product_variants where store_id = old.store_id and product_id = old.id;
    delete from warehouse_stock where store_id = old.store_id and product_id = old.id;
  elsif tg_table_name = 'product_variants' then
    delete from warehouse_stock where store_id = old.store_id and product_id = old.product_id and variant_id = old.id;
  else
    delete from warehouse_stock where store_id = old.store_id and warehouse_id = old.id;
  end if;
  return null;
end $$;
