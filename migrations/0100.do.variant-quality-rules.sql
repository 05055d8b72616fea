-- The data-quality rules read a product's variants: INVALID_BARCODE their barcodes, DUPLICATE_SKU
-- their SKUs.
--
-- Why: seed 004's rules flag invalid barcodes and duplicate SKUs, and its reference gives variants
-- barcodes (EAN-13/UPC-A/GTIN); the Partner API writes both (variant sets, products/with-variants).
-- But the rules read only the product's own barcode and SKU, and a product with variants has no
-- SKU of its own (seed 003): a variant's barcode '123' raised nothing, nor did two variants of a
-- store (of two products, or of one), or a variant and a product, holding 'v-1' and 'V-1' (the
-- rule ignores case; the unique checks of 0085 compare SKUs as written).
--
-- An issue is one per (product, rule), so a product has one INVALID_BARCODE for its own barcode
-- or its variants', and one DUPLICATE_SKU for its own SKU or its variants'; the message names the
-- first at fault (its own, else the variant's). Barcodes: active variants only (a variant a set
-- left out is not sold). SKUs: every variant (a deactivated one still holds its SKU; PATCH
-- /inventory finds it by it). 0088's re-evaluation of the other holders, when a SKU changes or
-- goes, finds them through their variants too, so a pair's issue resolves when either is fixed.
-- Every path that writes variants already evaluates their product (variant-set PATCH,
-- products/with-variants).
--
-- The variant probes run only for products with variants (has_variants) in a store that has
-- variants, through product_variants_product_idx and the lower(sku) indexes of 0041: an import of
-- simple products pays nothing. evaluate_quality of 1,000 products with 3 variants each (valid
-- barcodes, no duplicates), 7 runs each: 27.6-36.1 ms before; with the barcode probe alone
-- 33.4-42.3, with both (another run) 40.5-45.4 against 34.6-39.6 for the barcode probe alone.
-- Of 1,000 simple products of that store, the same before and after (38.5-57.5 ms, noisy).
-- Rules, severities and the other messages are those of 0074.
create or replace function evaluate_quality(p_store_id uuid, p_ids uuid[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  v_has_variants boolean := exists (select 1 from product_variants z where z.store_id = p_store_id);
begin
  with checked as (
    select p.id as product_id, p.sku, p.barcode, p.score, bv.sku as variant_sku, bv.barcode as variant_barcode, dv.sku as duplicate_variant_sku, array_remove(array[
        case when coalesce(btrim(p.description), '') = '' then 'MISSING_DESCRIPTION' end,
        case when cardinality(p.photos) = 0 then 'MISSING_PHOTOS' end,
        case when (coalesce(p.barcode, '') <> '' and not gtin_valid(p.barcode)) or bv.barcode is not null then 'INVALID_BARCODE' end,
        case when p.special_price is not null and p.price is not null and p.special_price >= p.price then 'SPECIAL_PRICE_NOT_BELOW_PRICE' end,
        case when p.sku is not null and (
            exists (select 1 from products o where o.store_id = p.store_id and lower(o.sku) = lower(p.sku) and o.id <> p.id)
            or (v_has_variants and exists (select 1 from product_variants v
              where v.store_id = p.store_id and lower(v.sku) = lower(p.sku) and v.product_id <> p.id)))
            or dv.sku is not null
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
    left join lateral (select v.sku from product_variants v
      where v_has_variants and p.has_variants and v.store_id = p_store_id and v.product_id = p.id
        and (exists (select 1 from products o where o.store_id = p_store_id and lower(o.sku) = lower(v.sku))
          or exists (select 1 from product_variants w where w.store_id = p_store_id and lower(w.sku) = lower(v.sku) and w.id <> v.id))
      order by v.sku limit 1) as dv on true
  ), findings as (
    select c.product_id, c.sku, c.barcode, c.variant_sku, c.variant_barcode, c.duplicate_variant_sku, c.score, f.code,
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
      when 'DUPLICATE_SKU' then case when q.duplicate_variant_sku is null or q.sku is not null
        then 'Another product or variant of the store has the SKU ' || coalesce(q.sku, '')
        else 'Another product or variant of the store has the SKU ' || q.duplicate_variant_sku || ' of its variant' end
      else 'Data quality score ' || q.score || ' is below 50' end
  from findings q
  on conflict (store_id, product_id, code) where not resolved do update set message = excluded.message, severity = excluded.severity;
end $$;

-- The products holding one of these SKUs (lower-case) themselves or through a variant, that have
-- an open DUPLICATE_SKU issue, evaluated again (0088's triggers call it when a SKU changes or goes).
create or replace function reevaluate_duplicate_sku_holders(p_store_id uuid, p_skus text[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  v_ids uuid[];
begin
  select array_agg(distinct h.id) into v_ids
  from (
    select x.id from unnest(p_skus) as k (sku)
    cross join lateral (select x.id from products x where x.store_id = p_store_id and lower(x.sku) = k.sku) as x
    union all
    select v.product_id from unnest(p_skus) as k (sku)
    cross join lateral (select v.product_id from product_variants v where v.store_id = p_store_id and lower(v.sku) = k.sku) as v
  ) as h
  where exists (select 1 from validation_issues vi
    where vi.store_id = p_store_id and vi.product_id = h.id and vi.code = 'DUPLICATE_SKU' and not vi.resolved);
  if v_ids is not null then
    perform evaluate_quality(p_store_id, v_ids);
  end if;
end $$;

-- The products whose variants already hold an invalid barcode or share a SKU in another case,
-- evaluated once per store.
select evaluate_quality(v.store_id, array_agg(distinct v.product_id))
from product_variants v
where (v.is_active and coalesce(v.barcode, '') <> '' and not gtin_valid(v.barcode))
   or exists (select 1 from products o where o.store_id = v.store_id and lower(o.sku) = lower(v.sku))
   or exists (select 1 from product_variants w where w.store_id = v.store_id and lower(w.sku) = lower(v.sku) and w.id <> v.id)
group by v.store_id;
