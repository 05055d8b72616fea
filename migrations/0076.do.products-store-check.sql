-- products keep their store by a statement trigger instead of a per-row foreign key,
-- as warehouse_stock does (0061). An import inserts 1,000 products a statement; the
-- foreign key queued and fired an RI trigger per row (a lookup and a row lock each), for
-- one store: 9.3-16.6 ms of an uncontended insert of 1,000 products (EXPLAIN ANALYZE, six
-- runs), 33-34 ms of one in the bench (auto_explain, two chunks). The trigger below checks
-- and locks the distinct stores of the statement's rows at once: 1.8-2.7 ms (six runs).
-- Stores are never deleted by Omni; a delete of one that still has products is refused,
-- as the foreign key (NO ACTION) refused it.

alter table products drop constraint products_store_id_fkey;

-- Every new row's store exists, locked FOR KEY SHARE as a foreign key would lock it: a
-- delete of the store meanwhile waits for this transaction, then sees its products.
create function products_check_store() returns trigger language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  wanted integer;
  found integer;
begin
  select count(*), count(x.ok) into wanted, found
  from (select distinct store_id from new_rows) k
  left join lateral (select true as ok from stores s where s.id = k.store_id for key share) x on true;
  if found < wanted then
    raise foreign_key_violation using message = 'products references a store that does not exist';
  end if;
  return null;
end $$;
create trigger products_store_exists after insert on products
  referencing new table as new_rows for each statement execute function products_check_store();

-- A product stays in its store (no writer changes store_id; the foreign key checked it).
create function products_store_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'a product cannot move to another store' using errcode = 'restrict_violation';
end $$;
create trigger products_store_immutable before update of store_id on products
  for each row when (old.store_id is distinct from new.store_id) execute function products_store_immutable();

-- The delete side of the foreign key: a store with products stays.
create function stores_keep_products() returns trigger language plpgsql as $$
begin
  if exists (select 1 from products p where p.store_id = old.id) then
    raise foreign_key_violation using message = 'the store still has products';
  end if;
  return old;
end $$;
create trigger stores_keep_products before delete on stores
  for each row execute function stores_keep_products();
