-- reevaluate_duplicate_sku_holders (0100) looks the SKUs' holders up one SKU at a time, whatever
-- the statistics say of the store. Behaviour unchanged: the same products are evaluated again.
--
-- Why: its laterals had no limit or offset, so the planner flattened them into joins, and its
-- generic plan (force_generic_plan) estimates a store at the table's rows over the stores. On a
-- marketplace's statistics (2,000 small stores, analysed) it hash-joined the SKUs with the
-- store's every product (products_store_lower_sku_idx by the store alone) and every variant.
-- 0088's triggers call it once per DELETE statement on products, and once per product with
-- variants (warehouse_stock_cascade deletes its variants in a statement of their own): deleting
-- 100 products, 20 of them with variants, of a 5,000-product store read 115,000 entries of
-- products_store_lower_sku_idx and 46,000 of product_variants_store_lower_sku_idx (PostgreSQL 15).
-- Now each SKU is one lateral probe (offset 0: it stays one) by (store_id, lower(sku)).
create or replace function reevaluate_duplicate_sku_holders(p_store_id uuid, p_skus text[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  v_ids uuid[];
begin
  select array_agg(distinct h.id) into v_ids
  from (
    select x.id from unnest(p_skus) as k (sku)
    cross join lateral (select x.id from products x where x.store_id = p_store_id and lower(x.sku) = k.sku offset 0) as x
    union all
    select v.product_id from unnest(p_skus) as k (sku)
    cross join lateral (select v.product_id from product_variants v where v.store_id = p_store_id and lower(v.sku) = k.sku offset 0) as v
  ) as h
  where exists (select 1 from validation_issues vi
    where vi.store_id = p_store_id and vi.product_id = h.id and vi.code = 'DUPLICATE_SKU' and not vi.resolved);
  if v_ids is not null then
    perform evaluate_quality(p_store_id, v_ids);
  end if;
end $$;
