-- DUPLICATE_SKU no longer flags a product for its own SKU against one of its own variants':
-- a product made simple again whose own SKU is, in another case, the SKU of one of its own
-- deactivated variants is no duplicate of itself. Another product's SKU, or another product's
-- variant's (active or deactivated, 0103), still flags it, as do two variants of one product.
--
-- Why: the rule looked at that pair from two sides and answered differently. A product's own SKU
-- was compared with the other products and with the variants of other products only
-- (`v.product_id <> p.id` since 0100); but each of its variants was compared with every product
-- of the store, itself included. Reachable through the Partner API since 0103 counted a simple
-- product's deactivated variants: P's variant set {abc}, then `items: []` (abc deactivated and
-- kept), then a PATCH giving P the SKU 'ABC' (accepted: 0085 compares SKUs as written): P was
-- flagged "Another product or variant of the store has the SKU abc of its deactivated variant",
-- and no change of anyone else's could resolve it. The SKU's "other" holder was P itself.
--
-- The rule now: a product is a DUPLICATE_SKU when another product, or a variant of another
-- product, holds, ignoring case, its own SKU or one of its variants' SKUs; or when two of its own
-- variants hold one SKU in two cases. The SKU of a product and those of its own variants all lead
-- to that one product, whoever looks them up case-blind; two variants of it are two things sold
-- (or held) apart, as two products are, so 0100's rule stays for them. Active variants alike:
-- a product with active variants has no SKU of its own (seed 003; PATCH clears it, 0087 cleared
-- what earlier PATCHes left), so that pair does not arise through the API, and the one rule
-- covers it either way. The exact case is refused before it is written (0085's triggers: a
-- deactivated variant still holds its SKU against its own product too, PRD_003), and, were it
-- there, would be no duplicate either: `own` skipped the product's own variants in every case.
-- Deactivated variants of OTHER products still count on every side (0103): a different product
-- that a case-blind lookup could confuse with this one.
--
-- Transitions: unchanged triggers (0088/0100) suffice. The product itself is evaluated by every
-- write that makes the pair (its variant set, its PATCH); when another holder gives the SKU up
-- (renamed other than in case, or deleted), reevaluate_duplicate_sku_holders finds the product
-- through its own SKU and through its variant, and the issue resolves, where it stayed open
-- before (the product was still its own other holder).
--
-- Cost: one more filter (`o.id <> p.id`) on the rows the products' lower(sku) index finds for a
-- variant's SKU; the plan is 0104's otherwise (auto_explain of the statement, node for node), and
-- the index searches as many (pg_stat_get_xact_numscans), except where the product itself was
-- found: its variant's SKU is then looked up among the variants too (the OR's other half), one
-- search more a product. evaluate_quality of 1,000 products in a store of 20,000 simple products
-- and 1,000 with 3 variants (EXPLAIN ANALYZE, 31 runs each, alternating, rolled back, plans
-- discarded before each; medians, ms, 0104 -> 0106): 1,000 products with 3 variants each 115.7 ->
-- 118.7, and 105.8 -> 105.5 in a second run; 1,000 simple products 91.0 -> 84.0, 82.4 -> 82.3;
-- 1,000 simple products each with its own SKU on a deactivated variant of its own in another
-- case, 171.2 -> 127.6, 121.0 -> 94.9 (0104 raised 1,000 issues there, 0106 none). PostgreSQL
-- 15: 114.5 -> 103.2, 115.3 -> 117.8, 176.5 -> 149.9. Where the outcome is the same, the noise is
-- larger than the difference.
-- Rules, severities and messages are those of 0104.
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

-- The simple products whose open DUPLICATE_SKU may be one against their own variant (their own
-- SKU one of their variants', in another case), evaluated again once per store: those raised
-- only so resolve, the others stay (their message is written anew).
select evaluate_quality(p.store_id, array_agg(distinct p.id))
from validation_issues vi
join products p on p.store_id = vi.store_id and p.id = vi.product_id
where vi.code = 'DUPLICATE_SKU' and not vi.resolved and p.sku is not null
  and exists (select 1 from product_variants v where v.store_id = p.store_id and v.product_id = p.id and lower(v.sku) = lower(p.sku))
group by p.store_id;
