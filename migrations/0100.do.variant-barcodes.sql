-- INVALID_BARCODE also covers the barcodes of a product's active variants.
--
-- Why: seed 004's rules flag invalid barcodes, and the PIM reference gives variants barcodes
-- (EAN-13/UPC-A/GTIN); the Partner API writes them (variant sets, products/with-variants), but
-- the rule read only the product's own barcode, so a variant's '123' raised nothing. An issue is
-- one per (product, rule), so a product has one INVALID_BARCODE for its own barcode or its
-- variants'; the message names the first invalid one (its own, else the variant's by SKU).
-- Deactivated variants (a variant set left them out) are not checked: they are not sold.
--
-- The variant probe runs only for products with variants (has_variants) in a store that has
-- variants, through product_variants_product_idx: an import of simple products pays nothing.
-- evaluate_quality of 1,000 products with 3 variants each (valid barcodes), 7 runs each:
-- 27.6-36.1 ms before, 33.4-42.3 ms with it; of 1,000 simple products of that store, 40.3-43.9
-- before and 38.5-40.2 with it (the same).
-- Every path that writes variants already evaluates their product (variant-set PATCH,
-- products/with-variants), so nothing else changes. Rules, severities and the other messages
-- are those of 0074.
create or replace function evaluate_quality(p_store_id uuid, p_ids uuid[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  v_has_variants boolean := exists (select 1 from product_variants z where z.store_id = p_store_id);
begin
  with checked as (
    select p.id as product_id, p.sku, p.barcode, p.score, bv.sku as variant_sku, bv.barcode as variant_barcode, array_remove(array[
        case when coalesce(btrim(p.description), '') = '' then 'MISSING_DESCRIPTION' end,
        case when cardinality(p.photos) = 0 then 'MISSING_PHOTOS' end,
        case when (coalesce(p.barcode, '') <> '' and not gtin_valid(p.barcode)) or bv.barcode is not null then 'INVALID_BARCODE' end,
        case when p.special_price is not null and p.price is not null and p.special_price >= p.price then 'SPECIAL_PRICE_NOT_BELOW_PRICE' end,
        case when p.sku is not null and (
            exists (select 1 from products o where o.store_id = p.store_id and lower(o.sku) = lower(p.sku) and o.id <> p.id)
            or (v_has_variants and exists (select 1 from product_variants v
              where v.store_id = p.store_id and lower(v.sku) = lower(p.sku) and v.product_id <> p.id)))
          then 'DUPLICATE_SKU' end,
        case when p.score < 50 then 'LOW_QUALITY_SCORE' end], null) as codes
    from unnest(p_ids) as k (id)
    cross join lateral (select x.id, x.store_id, x.sku, x.description, x.photos, x.barcode, x.price, x.special_price, x.has_variants,
        product_quality_score(x) as score
      from products x where x.store_id = p_store_id and x.id = k.id limit 1) as p
    left join lateral (select v.sku, v.barcode from product_variants v
      where v_has_variants and p.has_variants and v.store_id = p_store_id and v.product_id = p.id and v.is_active
        and coalesce(v.barcode, '') <> '' and not gtin_valid(v.barcode)
      order by v.sku limit 1) as bv on true
  ), findings as (
    select c.product_id, c.sku, c.barcode, c.variant_sku, c.variant_barcode, c.score, f.code,
      case when f.code in ('INVALID_BARCODE', 'SPECIAL_PRICE_NOT_BELOW_PRICE', 'DUPLICATE_SKU') then 'ERROR' else 'WARNING' end as severity
    from checked c cross join unnest(c.codes) as f (code)
    where cardinality(c.codes) > 0
  ), resolved as (
    -- Fixed (or deleted) products: their open issues resolve themselves.
    update validation_issues vi set resolved = true, resolved_at = now()
    where vi.store_id = p_store_id and vi.product_id = any (p_ids) and not vi.resolved
      and not exists (select 1 from findings q where q.product_id = vi.product_id and q.code = vi.code)
  )
  insert into validation_issues (store_id, product_id, code, severity, message)
  select p_store_id, q.product_id, q.code, q.severity, case q.code
      when 'MISSING_DESCRIPTION' then 'The product has no description'
      when 'MISSING_PHOTOS' then 'The product has no photos'
      when 'INVALID_BARCODE' then case when coalesce(q.barcode, '') <> '' and not gtin_valid(q.barcode)
        then 'Barcode ' || q.barcode || ' is not a valid GTIN-8/12/13/14'
        else 'Barcode ' || q.variant_barcode || ' of variant ' || q.variant_sku || ' is not a valid GTIN-8/12/13/14' end
      when 'SPECIAL_PRICE_NOT_BELOW_PRICE' then 'The special price is not below the price'
      when 'DUPLICATE_SKU' then 'Another product or variant of the store has the SKU ' || coalesce(q.sku, '')
      else 'Data quality score ' || q.score || ' is below 50' end
  from findings q
  on conflict (store_id, product_id, code) where not resolved do update set message = excluded.message, severity = excluded.severity;
end $$;

-- The products whose active variants already hold an invalid barcode, evaluated once per store.
select evaluate_quality(v.store_id, array_agg(distinct v.product_id))
from product_variants v
where v.is_active and coalesce(v.barcode, '') <> '' and not gtin_valid(v.barcode)
group by v.store_id;
