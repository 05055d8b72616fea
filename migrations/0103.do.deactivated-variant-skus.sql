-- DUPLICATE_SKU counts a deactivated variant's SKU for its own product too, also when that
-- product was made simple again (a variant set of `items: []`, which deactivates its variants
-- and keeps them).
--
-- Why: the result was one-sided. P's variant 'abc', deactivated when P was made simple; Q's SKU
-- 'ABC'. Q's check reads every variant of the store, so Q was flagged; P's read its variants only
-- while it had variants (has_variants), so P's issue resolved as it was made simple, and P was
-- never flagged after. Both sides are flagged now, rather than neither: a deactivated variant
-- still holds its SKU for every purpose the SKU serves here. 0085's triggers refuse it to any
-- other product or variant (P's own SKU included); PATCH /inventory, PATCH /products/prices and
-- GET /sku/{sku} find it by it; the PIM catalog export lists it (`isActive` false); a variant set
-- that names it again reactivates it with it; and 0100 counted it already ("a deactivated one
-- still holds its SKU"), except on a simple product. Not counting it would leave a case-blind
-- twin of a SKU the store still answers to unflagged, and raise nothing when it is reactivated
-- (the SKU does not change, so 0088 re-evaluates no one). Only active variants' barcodes are
-- checked (0100: a variant not sold); the stock sums only active variants (0075).
--
-- Transitions: deactivating or reactivating a variant, or making its product simple, changes no
-- DUPLICATE_SKU now; the issue of each side resolves when the SKU leaves the other one (0088's
-- triggers find a SKU's holders through every variant, active or not). The message names a
-- deactivated variant as such: a simple product shows no active variant to look for.
--
-- Cost: the variant SKU probe still runs only in a store that has variants (v_has_variants: one
-- probe a call), so a store without variants pays nothing more (its plan node is never executed,
-- before or after). In a store with variants, a simple product now pays one probe of
-- product_variants_product_idx (its variants: usually none, ~2 us). evaluate_quality of 1,000 new
-- simple products (EXPLAIN ANALYZE, embedded PostgreSQL, 21 runs each, medians), passing every
-- rule: a store of 30,000 products without variants 20.0 ms before, 19.7 after; one with 9,000
-- variants 23.7 before, 25.7 after. With two issues raised a product: 100.8 and 104.4 ms, 124.0
-- and 122.3 (noise larger than the difference).
-- Rules, severities and the other messages are those of 0100.
create or replace function evaluate_quality(p_store_id uuid, p_ids uuid[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  v_has_variants boolean := exists (select 1 from product_variants z where z.store_id = p_store_id);
begin
  with checked as (
    select p.id as product_id, p.sku, p.barcode, p.score, bv.sku as variant_sku, bv.barcode as variant_barcode,
      dv.sku as duplicate_variant_sku, dv.is_active as duplicate_variant_active, own.duplicate as own_sku_duplicate, array_remove(array[
        case when coalesce(btrim(p.description), '') = '' then 'MISSING_DESCRIPTION' end,
        case when cardinality(p.photos) = 0 then 'MISSING_PHOTOS' end,
        case when (coalesce(p.barcode, '') <> '' and not gtin_valid(p.barcode)) or bv.barcode is not null then 'INVALID_BARCODE' end,
        case when p.special_price is not null and p.price is not null and p.special_price >= p.price then 'SPECIAL_PRICE_NOT_BELOW_PRICE' end,
        case when own.duplicate or dv.sku is not null then 'DUPLICATE_SKU' end,
        case when p.score < 50 then 'LOW_QUALITY_SCORE' end], null) as codes
    from unnest(p_ids) as k (id)
    cross join lateral (select x.id, x.store_id, x.sku, x.description, x.photos, x.barcode, x.price, x.special_price, x.has_variants,
        product_quality_score(x) as score
      from products x where x.store_id = p_store_id and x.id = k.id limit 1) as p
    -- A simple product's variants are all deactivated: no barcode of theirs is checked.
    left join lateral (select v.sku, v.barcode from product_variants v
      where v_has_variants and p.has_variants and v.store_id = p_store_id and v.product_id = p.id and v.is_active
        and coalesce(v.barcode, '') <> '' and not gtin_valid(v.barcode)
      order by v.sku limit 1) as bv on true
    -- Its own SKU held by another product, or by another product's variant.
    cross join lateral (select p.sku is not null and (
        exists (select 1 from products o where o.store_id = p.store_id and lower(o.sku) = lower(p.sku) and o.id <> p.id)
        or (v_has_variants and exists (select 1 from product_variants v
          where v.store_id = p.store_id and lower(v.sku) = lower(p.sku) and v.product_id <> p.id))) as duplicate) as own
    -- Every variant of the product, active or not, whether it has variants now or not.
    left join lateral (select v.sku, v.is_active from product_variants v
      where v_has_variants and v.store_id = p_store_id and v.product_id = p.id
        and (exists (select 1 from products o where o.store_id = p_store_id and lower(o.sku) = lower(v.sku))
          or exists (select 1 from product_variants w where w.store_id = p_store_id and lower(w.sku) = lower(v.sku) and w.id <> v.id))
      order by v.sku limit 1) as dv on true
  ), findings as (
    select c.product_id, c.sku, c.barcode, c.variant_sku, c.variant_barcode, c.duplicate_variant_sku, c.duplicate_variant_active,
      c.own_sku_duplicate, c.score, f.code,
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
      -- A simple product may now be at fault through a deactivated variant alone, beside a SKU of its own.
      when 'DUPLICATE_SKU' then case when q.own_sku_duplicate
        then 'Another product or variant of the store has the SKU ' || q.sku
        else 'Another product or variant of the store has the SKU ' || q.duplicate_variant_sku
          || case when q.duplicate_variant_active then ' of its variant' else ' of its deactivated variant' end end
      else 'Data quality score ' || q.score || ' is below 50' end
  from findings q
  on conflict (store_id, product_id, code) where not resolved do update set message = excluded.message, severity = excluded.severity;
end $$;

-- The simple products whose deactivated variants already share a SKU in another case (their
-- issue resolved, or never raised, under 0100), evaluated once per store.
select evaluate_quality(p.store_id, array_agg(distinct p.id))
from products p
join product_variants v on v.store_id = p.store_id and v.product_id = p.id
where not p.has_variants
  and (exists (select 1 from products o where o.store_id = v.store_id and lower(o.sku) = lower(v.sku))
    or exists (select 1 from product_variants w where w.store_id = v.store_id and lower(w.sku) = lower(v.sku) and w.id <> v.id))
group by p.store_id;
