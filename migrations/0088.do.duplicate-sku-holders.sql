-- A DUPLICATE_SKU issue resolves when its product no longer shares its SKU: also when the
-- other holder of the SKU changes it or is deleted. evaluate_quality runs for the products a
-- write touched, so the product left alone with a SKU kept its open issue until it was
-- written itself ("once your team fixes the underlying data, the issue is automatically
-- resolved", seed 004).
--
-- When a SKU leaves a product or a variant (its SKU changed other than in case, or the row
-- deleted), the store's products that still hold that SKU (case-blind, as the rule compares)
-- and have an open DUPLICATE_SKU issue are evaluated again. Inserts are untouched: a catalog
-- import pays nothing. A changed SKU is rare (a PATCH, a bulk update that renames): a row
-- trigger, filtered by its WHEN, as 0085's check of a changed SKU. Deletions are set-based:
-- one statement trigger, one lookup per deleted SKU.

-- The products of a store holding one of `p_skus` (lower-cased) with an open DUPLICATE_SKU
-- issue, evaluated again. One index probe per SKU (products_store_lower_sku_idx), then the
-- open-issue index; nothing more where no one else held the SKU.
create function reevaluate_duplicate_sku_holders(p_store_id uuid, p_skus text[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  v_ids uuid[];
begin
  select array_agg(distinct p.id) into v_ids
  from unnest(p_skus) as k (sku)
  cross join lateral (select x.id from products x where x.store_id = p_store_id and lower(x.sku) = k.sku) as p
  where exists (select 1 from validation_issues vi
    where vi.store_id = p_store_id and vi.product_id = p.id and vi.code = 'DUPLICATE_SKU' and not vi.resolved);
  if v_ids is not null then
    perform evaluate_quality(p_store_id, v_ids);
  end if;
end $$;

create function sku_changed_reevaluate_holders() returns trigger language plpgsql as $$
begin
  perform reevaluate_duplicate_sku_holders(old.store_id, array[lower(old.sku)]);
  return null;
end $$;
create trigger products_sku_left_reevaluate after update of sku on products
  for each row when (old.sku is not null and lower(old.sku) is distinct from lower(new.sku))
  execute function sku_changed_reevaluate_holders();
create trigger product_variants_sku_left_reevaluate after update of sku on product_variants
  for each row when (lower(old.sku) is distinct from lower(new.sku))
  execute function sku_changed_reevaluate_holders();

-- Deleted rows' SKUs, per store. A product's deletion deletes its variants one product at a
-- time (warehouse_stock_cascade, 0077): for a product without variants this runs on an empty
-- transition table and finds nothing.
create function skus_deleted_reevaluate_holders() returns trigger language plpgsql as $$
declare
  r record;
begin
  for r in select store_id, array_agg(distinct lower(sku)) as skus from old_rows where sku is not null group by store_id loop
    perform reevaluate_duplicate_sku_holders(r.store_id, r.skus);
  end loop;
  return null;
end $$;
create trigger products_skus_deleted_reevaluate after delete on products
  referencing old table as old_rows for each statement execute function skus_deleted_reevaluate_holders();
create trigger product_variants_skus_deleted_reevaluate after delete on product_variants
  referencing old table as old_rows for each statement execute function skus_deleted_reevaluate_holders();
