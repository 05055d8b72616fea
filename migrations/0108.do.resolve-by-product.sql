-- evaluate_quality's resolving step, whatever validation_issues' statistics say of the store.
-- Rules, severities and messages are 0106's; the function gains a third argument, p_created.
--
-- Why: the step (0106) was one update of the store's open issues whose product is one of the
-- chunk's and whose code no finding names. Its generic plan (the function's force_generic_plan)
-- estimates a store's rows at the table's rows over the stores. When validation_issues was
-- analysed while its issues were spread over many small stores (a marketplace: 5,000 stores
-- with 4 open issues each), every store is "a few" rows, however many it holds, and the plan
-- read the store's open issues by the store alone and compared each with the chunk's ids; after
-- an ANALYZE, it read the chunk's own but compared each with every finding (a nested-loop anti
-- join). bench/probe-issue-resolve.ts, SMALL_STORES=5000, 1,000 products without photos a
-- chunk (two issues each), medians, ms, 0106 -> 0108: PostgreSQL 15, chunks 31-40 of an import
-- 306.2 -> 59.4, reading 60,000-80,000 index entries a chunk -> 2,000; 1,000 existing products
-- of that store 332.1 -> 90.1 (526.9 -> 92.6 after an ANALYZE); embedded PostgreSQL 18, chunks
-- 51-60 766.5 -> 48.5 (651.3 ms at chunk 50, reading 100,000 entries), existing products
-- 452.6 -> 58.5 (614.7 -> 72.1 analysed), 1,000 of them fixed 331.4 -> 45.4.
--
-- Now: each product's open issues are looked up by the store and the product, one product at a
-- time (a lateral subquery, offset 0 so that it stays one), and compared with that product's
-- own codes; `checked` keeps a row for a deleted product (no codes), so that its issues resolve.
-- No plan can read a store's issues by the store alone or compare them with every finding.
-- With the statistics right, the cost is 0106's within the noise (PostgreSQL 18, medians of 15,
-- ms, 0106 -> 0108): 1,000 existing products 66.1 -> 66.5, 1,000 of them fixed 51.5 -> 56.5,
-- 1,000 new ones 53.1 -> 54.9; PostgreSQL 15, medians of 9: 105.8 -> 69.6, 55.0 -> 57.0,
-- 82.1 -> 53.8.
--
-- p_created: the caller created every one of the products in this transaction (a catalog
-- sync's chunk, the new products of a bulk one): none has an issue to resolve, and the lookup
-- is skipped (1,000 new products, PostgreSQL 18: 51.4 ms against 0106's 53.1).
drop function evaluate_quality(uuid, uuid[]);
create function evaluate_quality(p_store_id uuid, p_ids uuid[], p_created boolean default false) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  v_has_variants boolean := exists (select 1 from product_variants z where z.store_id = p_store_id);
begin
  with checked as (
    select k.id as product_id, p.sku, p.barcode, p.score, bv.sku as variant_sku, bv.barcode as variant_barcode,
      dv.sku as duplicate_variant_sku, dv.is_active as duplicate_variant_active, own.duplicate as own_sku_duplicate,
      -- A deleted product (none found): no codes, and its open issues resolve.
      case when p.id is null then '{}'::text[] else array_remove(array[
        case when coalesce(btrim(p.description), '') = '' then 'MISSING_DESCRIPTION' end,
        case when cardinality(p.photos) = 0 then 'MISSING_PHOTOS' end,
        case when (coalesce(p.barcode, '') <> '' and not gtin_valid(p.barcode)) or bv.barcode is not null then 'INVALID_BARCODE' end,
        case when p.special_price is not null and p.price is not null and p.special_price >= p.price then 'SPECIAL_PRICE_NOT_BELOW_PRICE' end,
        case when own.duplicate or dv.sku is not null then 'DUPLICATE_SKU' end,
        case when p.score < 50 then 'LOW_QUALITY_SCORE' end], null) end as codes
    from unnest(p_ids) as k (id)
    left join lateral (select x.id, x.store_id, x.sku, x.description, x.photos, x.barcode, x.price, x.special_price, x.has_variants,
        product_quality_score(x) as score
      from products x where x.store_id = p_store_id and x.id = k.id limit 1) as p on true
    -- A simple product's variants are all deactivated: no barcode of theirs is checked.
    left join lateral (select v.sku, v.barcode from product_variants v
      where v_has_variants and p.has_variants and v.store_id = p_store_id and v.product_id = p.id and v.is_active
        and coalesce(v.barcode, '') <> '' and not gtin_valid(v.barcode)
      order by v.sku limit 1) as bv on true
    -- Its own SKU held by another product, or by another product's variant (its own variants' do
    -- not count); offset 0 keeps the subquery whole, so that its lookups run once a product (0104).
    cross join lateral (select p.sku is not null and (
        exists (select 1 from products o where o.store_id = p.store_id and lower(o.sku) = lower(p.sku) and o.id <> p.id)
        or (v_has_variants and exists (select 1 from product_variants v
          where v.store_id = p.store_id and lower(v.sku) = lower(p.sku) and v.product_id <> p.id))) as duplicate
      offset 0) as own
    -- Every variant of the product, active or not, whether it has variants now or not, whose SKU
    -- another product holds (not this one: its own SKU against its own variants is no duplicate,
    -- as in `own` above; 0106) or another variant, of any product, this one's included.
    left join lateral (select v.sku, v.is_active from product_variants v
      where v_has_variants and v.store_id = p_store_id and v.product_id = p.id
        and (exists (select 1 from products o where o.store_id = p_store_id and lower(o.sku) = lower(v.sku) and o.id <> p.id)
          or exists (select 1 from product_variants w where w.store_id = p_store_id and lower(w.sku) = lower(v.sku) and w.id <> v.id))
      order by v.sku limit 1) as dv on true
  ), findings as (
    select c.product_id, c.sku, c.barcode, c.variant_sku, c.variant_barcode, c.duplicate_variant_sku, c.duplicate_variant_active,
      c.own_sku_duplicate, c.score, f.code,
      case when f.code in ('INVALID_BARCODE', 'SPECIAL_PRICE_NOT_BELOW_PRICE', 'DUPLICATE_SKU') then 'ERROR' else 'WARNING' end as severity
    from checked c cross join unnest(c.codes) as f (code)
    where cardinality(c.codes) > 0
  ), resolved as (
    -- Fixed (or deleted) products: their open issues resolve themselves. Each product's open
    -- issues are looked up by the store and the product, one product at a time (offset 0 keeps the
    -- lookup whole), and compared with the product's codes: no plan can read the store's open
    -- issues by the store alone, nor compare them with every finding (0108). Products this
    -- transaction created (p_created) have none to look up.
    update validation_issues vi set resolved = true, resolved_at = now()
    from checked c
    cross join lateral (select o.id from validation_issues o
      where not p_created and o.store_id = p_store_id and o.product_id = c.product_id and not o.resolved
        and o.code <> all (c.codes) offset 0) as held
    where vi.store_id = p_store_id and vi.id = held.id and not vi.resolved
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
