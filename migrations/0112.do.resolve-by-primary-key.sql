-- evaluate_quality's resolving update finds each open issue to resolve by its primary key, whatever
-- the statistics say of the store (0110's evaluate_quality restated whole; only `resolved` changes).
--
-- Why: the update joined the issues to resolve (held) with validation_issues by
-- `vi.store_id = p_store_id and vi.id = held.id`. The store condition stands alone there, so where the
-- statistics give the store a few open issues (a marketplace of one-product stores, the store's own
-- issues not yet analysed), the planner read the store's open issues once through
-- validation_issues_recent_idx and hashed them against held: every open issue of the store, per
-- chunk. bench/probe-one-product-stores.ts (ISSUES=1, 5,000 one-product stores, a store of 3,000
-- products with 9,300 open issues): 100 of its products read 10,200 validation_issues index entries.
-- Now held carries each issue's store and the update joins on both primary key columns from held,
-- so no condition on the store alone is left for a scan of the store: one primary-key probe an issue.
-- A row updated meanwhile is still matched by its key (EvalPlanQual rechecks it), which a join by
-- ctid would not do.
create or replace function evaluate_quality(p_store_id uuid, p_ids uuid[], p_created boolean default false) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  -- The store's first entry of product_variants_product_idx (0110; the head of this file).
  v_has_variants boolean := exists (select 1 from product_variants z where z.store_id = p_store_id order by z.product_id offset 0 limit 1);
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
    cross join lateral (select o.store_id, o.id from validation_issues o
      where not p_created and o.store_id = p_store_id and o.product_id = c.product_id and not o.resolved
        and o.code <> all (c.codes) offset 0) as held
    -- By held's store, not p_store_id: a store condition on vi alone would let the store's open
    -- issues be read once and hashed, where the statistics give the store few (0112).
    where vi.store_id = held.store_id and vi.id = held.id and not vi.resolved
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
