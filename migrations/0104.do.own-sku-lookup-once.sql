-- evaluate_quality looks a product's own SKU up once (0103 looked it up once for every issue
-- the product raised, and twice more).
--
-- Why: 0103 moved the lookup of a product's own SKU among the other products and variants into a
-- lateral subquery of its own (`own`), read twice: by the rules' codes and, for the message, as
-- own_sku_duplicate. A subquery without FROM is pulled up into the query that reads it, its
-- expression copied to each place: into the codes, which the plan computes twice (the filter on
-- them and their unnest), and into own_sku_duplicate, computed for every issue row. An import's
-- new products raise two issues each (MISSING_PHOTOS, LOW_QUALITY_SCORE are common): the
-- products' lower(sku) index was searched 4 times a product, 2 under 0100, and in a store with
-- variants the variants' as many again (pg_stat_get_xact_numscans, 1,000 new products;
-- test/integration/quality-sku-probes.test.ts). With `offset 0` the subquery is not pulled up: it
-- runs once a product and the codes and the message read its result, so each index is searched
-- once a product, whatever the product raises.
--
-- Rules, severities and messages are those of 0103; nothing else changes.
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
    -- Its own SKU held by another product, or by another product's variant; offset 0 keeps the
    -- subquery whole, so that its lookups run once a product (0104).
    cross join lateral (select p.sku is not null and (
        exists (select 1 from products o where o.store_id = p.store_id and lower(o.sku) = lower(p.sku) and o.id <> p.id)
        or (v_has_variants and exists (select 1 from product_variants v
          where v.store_id = p.store_id and lower(v.sku) = lower(p.sku) and v.product_id <> p.id))) as duplicate
      offset 0) as own
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
