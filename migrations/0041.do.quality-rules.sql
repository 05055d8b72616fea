-- Data-quality rules (docs/data-quality.md), evaluated set-based by evaluate_quality()
-- in the transaction of every product write (src/catalog/after-products-changed.ts).

-- DUPLICATE_SKU compares SKUs case-insensitively across products and variants.
create index products_store_lower_sku_idx on products (store_id, lower(sku));
create index product_variants_store_lower_sku_idx on product_variants (store_id, lower(sku));

-- GTIN-8/12/13/14: digits only, and the check digit (weights 3,1,3,… from the right,
-- the check digit excluded) matches.
create function gtin_valid(code text) returns boolean language sql immutable as $$
  select code ~ '^[0-9]+$' and length(code) in (8, 12, 13, 14) and
    (10 - (select sum(substr(code, length(code) - i, 1)::int * case when i % 2 = 1 then 3 else 1 end)
           from generate_series(1, length(code) - 1) as i) % 10) % 10 = right(code, 1)::int
$$;

-- 0–100: description (25: ≥100 chars, 10: ≥20), photos (25: ≥3, 15: ≥1), brand (15),
-- category (15), weight and all three dimensions (10), a valid barcode (10).
create function product_quality_score(p products) returns integer language sql stable as $$
  select (case when length(coalesce(p.description, '')) >= 100 then 25 when length(coalesce(p.description, '')) >= 20 then 10 else 0 end)
    + (case when cardinality(p.photos) >= 3 then 25 when cardinality(p.photos) >= 1 then 15 else 0 end)
    + (case when p.brand_id is not null then 15 else 0 end)
    + (case when p.category_id is not null then 15 else 0 end)
    + (case when p.weight is not null and p.length is not null and p.width is not null and p.height is not null then 10 else 0 end)
    + (case when p.barcode is not null and gtin_valid(p.barcode) then 10 else 0 end)
$$;

-- One statement: the findings, the open issues they no longer justify (resolved), and the
-- new ones (the two touch disjoint rows: resolved codes are exactly those not found).
-- PL/pgSQL rather than SQL: its statement plan is cached per connection (a SQL function is
-- planned on every call; in a quick bench run the average call went from 1.9 ms to 1.6 ms).
create function evaluate_quality(p_store_id uuid, p_ids uuid[]) returns void language plpgsql as $$
begin
  with findings as (
    select p.id as product_id, f.code, f.severity, f.message
    from products p
    cross join lateral (values
      ('MISSING_DESCRIPTION', 'WARNING', 'The product has no description', coalesce(btrim(p.description), '') = ''),
      ('MISSING_PHOTOS', 'WARNING', 'The product has no photos', cardinality(p.photos) = 0),
      ('INVALID_BARCODE', 'ERROR', 'Barcode ' || coalesce(p.barcode, '') || ' is not a valid GTIN-8/12/13/14',
        coalesce(p.barcode, '') <> '' and not gtin_valid(p.barcode)),
      ('SPECIAL_PRICE_NOT_BELOW_PRICE', 'ERROR', 'The special price is not below the price',
        p.special_price is not null and p.price is not null and p.special_price >= p.price),
      ('DUPLICATE_SKU', 'ERROR', 'Another product or variant of the store has the SKU ' || coalesce(p.sku, ''),
        p.sku is not null and (
          exists (select 1 from products o where o.store_id = p.store_id and o.id <> p.id and lower(o.sku) = lower(p.sku))
          or exists (select 1 from product_variants v where v.store_id = p.store_id and v.product_id <> p.id and lower(v.sku) = lower(p.sku)))),
      ('LOW_QUALITY_SCORE', 'WARNING', 'Data quality score ' || product_quality_score(p) || ' is below 50', product_quality_score(p) < 50)
    ) as f(code, severity, message, failed)
    where p.store_id = p_store_id and p.id = any (p_ids) and f.failed
  ), resolved as (
    -- Fixed (or deleted) products: their open issues resolve themselves.
    update validation_issues vi set resolved = true, resolved_at = now()
    where vi.store_id = p_store_id and vi.product_id = any (p_ids) and not vi.resolved
      and not exists (select 1 from findings q where q.product_id = vi.product_id and q.code = vi.code)
  )
  insert into validation_issues (store_id, product_id, code, severity, message)
  select p_store_id, q.product_id, q.code, q.severity, q.message from findings q
  on conflict (store_id, product_id, code) where not resolved do update set message = excluded.message, severity = excluded.severity;
end $$;
