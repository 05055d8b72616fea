-- A new product's warehouse rows need neither a recount nor a key check: the product was
-- inserted a statement earlier, in the same transaction, with its stock already the sum of
-- the rows that follow (product-writer.ts, initialStock), and no other transaction can see
-- it yet, to add rows or to delete it. For an import's rows the recount cost PostgreSQL
-- ~17.5 ms and the lock that is the products' key check ~7.5 ms per 1,000 products (of
-- ~43 ms for the whole warehouse_stock INSERT; pg_stat_statements, 2026-12-01).
--
-- The writer says so with a one-statement flag: its INSERT sets omni.stock_counted (local to
-- the transaction, so a rolled-back statement or savepoint takes it back) and this trigger
-- consumes it, so it never reaches another statement. Variants and warehouses are still
-- checked (warehouse_stock_check_references).
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
    if coalesce(current_setting('omni.stock_counted', true), '') = 'on' then
      perform set_config('omni.stock_counted', '', true);
      return null;
    end if;
    if not exists (select 1 from new_rows) then return null; end if;
    -- Locks and counts the products (the foreign key check), then recounts in a statement of its own (0066).
    perform lock_products_for_stock(array(select store_id from new_rows), array(select product_id from new_rows));
    perform recount_stock(array(select store_id from new_rows), array(select product_id from new_rows), array(select variant_id from new_rows));
  end if;
  return null;
end $$;
