-- A SKU counts toward the quality score, as seed 004 tells PIM users ("Include sku, description,
-- category, and brand fields for better catalog quality scores"): 10 points for a product with a
-- SKU of its own, or with variants (a product with variants has none of its own, seed 003: its
-- SKUs are its variants'). The sum stays at most 100, so that no score falls: a product had 100
-- with everything else, and a score only rises with this (found by a contract review,
-- 2026-12-05: `{"title":"Q1","sku":"Q1-SKU"}` scored 0, as `{"title":"Q0"}` did).
--
-- The other weights are 0041's: description ≥ 100 characters 25 (≥ 20: 10), photos ≥ 3 25
-- (≥ 1: 15), brand 15, category 15, weight and the three dimensions 10, a valid barcode 10.
create or replace function product_quality_score(p products) returns integer language sql stable as $$
  select least(100,
    (case when length(coalesce(p.description, '')) >= 100 then 25 when length(coalesce(p.description, '')) >= 20 then 10 else 0 end)
    + (case when cardinality(p.photos) >= 3 then 25 when cardinality(p.photos) >= 1 then 15 else 0 end)
    + (case when p.sku is not null or p.has_variants then 10 else 0 end)
    + (case when p.brand_id is not null then 15 else 0 end)
    + (case when p.category_id is not null then 15 else 0 end)
    + (case when p.weight is not null and p.length is not null and p.width is not null and p.height is not null then 10 else 0 end)
    + (case when p.barcode is not null and gtin_valid(p.barcode) then 10 else 0 end))
$$;

-- The open LOW_QUALITY_SCORE issues whose product's score rose (it has a SKU or variants): their
-- products evaluated again, a store at a time, so that an issue the new score no longer justifies
-- resolves and the others' messages give the new score. A score never falls, so no product
-- gains an issue here.
select evaluate_quality(s.store_id, s.ids)
from (
  select vi.store_id, array_agg(vi.product_id) as ids
  from validation_issues vi
  join products p on p.store_id = vi.store_id and p.id = vi.product_id
  where vi.code = 'LOW_QUALITY_SCORE' and not vi.resolved and (p.sku is not null or p.has_variants)
  group by vi.store_id) as s;
