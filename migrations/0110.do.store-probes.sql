-- "Does the store have any?" probes, read by an index whatever the statistics say (write_stock_rows
-- of 0109 and evaluate_quality of 0108, restated whole; only the probe changes in each).
--
-- Why: `exists (select 1 from products x where x.store_id = $1 and x.has_variants)` (and the same
-- of product_variants) wants one row. Where the statistics give the store many such rows (a few
-- big stores, products with variants common among them), a sequential scan that stops at the
-- first match looks cheapest. But a store's rows lie together in the table: the scan read every
-- row stored before the store's, and the whole table when the store has none (a store of simple
-- products, the most common kind): per stock chunk in write_stock_rows, per chunk in
-- evaluate_quality. test/integration/store-probes.test.ts (three stores of 3,000 products with a
-- variant each, 2,000 of them, 3,000 simple products; analysed): a stock chunk of the simple store
-- read 8,000 products (the table), an evaluate_quality of the second store 3,001 variants; 0 now.
--
-- Now each probe orders by a column of the index it should read (products_with_variants_idx's id,
-- product_variants_product_idx's product_id) and keeps that order with offset 0 (an EXISTS drops
-- an ORDER BY and a LIMIT, not an OFFSET): a sequential scan must then read every match and sort
-- them, and is priced so; the index gives the first entry of the store, or none, at once.

create or replace function write_stock_rows(p_store_id uuid, p_accepted_seq bigint,
  e_row int[], e_product uuid[], e_variant uuid[], e_warehouse uuid[], e_stock int[])
returns void language plpgsql set plan_cache_mode = force_generic_plan as $$
declare
  v_taken uuid;
begin
  update product_stock p set stock = u.stock, stock_seq = u.seq
  from (select distinct on (a.p) a.p, a.s as stock, p_accepted_seq * 10000 + a.r as seq
        from unnest(e_row, e_product, e_warehouse, e_stock) as a (r, p, w, s)
        where a.w is null and a.s is not null order by a.p, a.r desc) u
  where p.store_id = p_store_id and p.product_id = u.p and p.stock_seq < u.seq;
  insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock, stock_seq)
  select distinct on (a.p, a.v, a.w) p_store_id, a.p, a.v, a.w, a.s, p_accepted_seq * 10000 + a.r
  from unnest(e_row, e_product, e_variant, e_warehouse, e_stock) as a (r, p, v, w, s)
  where a.w is not null and a.s is not null
  order by a.p, a.v, a.w, a.r desc
  on conflict (store_id, product_id, variant_id, warehouse_id)
  do update set stock = excluded.stock, stock_seq = excluded.stock_seq, updated_at = now()
  where warehouse_stock.stock_seq < excluded.stock_seq;

  -- Checked after the writes (0089). A probe of products_with_variants_idx per product-level
  -- entry, in a lateral subquery: as an EXISTS, the generic plan read the store's products with
  -- variants once per entry (see the top of this file).
  -- The store's first entry of products_with_variants_idx (0110; the head of this file).
  if exists (select 1 from products x where x.store_id = p_store_id and x.has_variants order by x.id offset 0 limit 1) then
    select a.p into v_taken
    from unnest(e_product, e_variant) as a (p, v)
    cross join lateral (select 1 from products x where x.store_id = p_store_id and x.id = a.p and x.has_variants limit 1) x
    where a.v is null
    limit 1;
    if v_taken is not null then
      raise check_violation using message = format('product %s has variants: its stock is set on its variants', v_taken),
        constraint = 'stock_of_product_with_variants', table = 'warehouse_stock';
    end if;
  end if;
end $$;

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
