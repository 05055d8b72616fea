-- A description of whitespace alone is no description (QA): btrim's one argument strips the ASCII
-- space only, so a description of tabs and newlines, or of no-break or ideographic spaces, raised no
-- MISSING_DESCRIPTION (and sending one resolved the issue of an empty description), and the
-- quality score counted 120 spaces as a description of 120 characters (25 points: a product
-- flagged as having no description escaped LOW_QUALITY_SCORE). Whitespace here is what
-- JavaScript's \s is, as the API tells a blank name or SKU (NOT_BLANK); btrim with the characters
-- rather than a regular expression, on every product write.
create or replace function visible_text(t text) returns text language sql immutable parallel safe as $$
  select btrim(t, E' \t\n\r\f\u000b\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff')
$$;

-- 0119's score, the description's length counted without the whitespace around it.
create or replace function product_quality_score(p products) returns integer language sql stable as $$
  select least(100,
    (case when length(coalesce(visible_text(p.description), '')) >= 100 then 25 when length(coalesce(visible_text(p.description), '')) >= 20 then 10 else 0 end)
    + (case when cardinality(p.photos) >= 3 then 25 when cardinality(p.photos) >= 1 then 15 else 0 end)
    + (case when p.sku is not null or p.has_variants then 10 else 0 end)
    + (case when p.brand_id is not null then 15 else 0 end)
    + (case when p.category_id is not null then 15 else 0 end)
    + (case when p.weight is not null and p.length is not null and p.width is not null and p.height is not null then 10 else 0 end)
    + (case when p.barcode is not null and gtin_valid(p.barcode) then 10 else 0 end))
$$;

-- 0123's, MISSING_DESCRIPTION told by visible_text.
create or replace function evaluate_quality(p_store_id uuid, p_ids uuid[], p_created boolean default false) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  -- The store's first entry of product_variants_product_idx (0110).
  v_has_variants boolean := exists (select 1 from product_variants z where z.store_id = p_store_id order by z.product_id offset 0 limit 1);
  -- The products given that have an open DUPLICATE_SKU issue after this call.
  v_duplicates uuid[];
  -- The products given whose open DUPLICATE_SKU issue this call resolved.
  v_resolved uuid[];
  v_rechecking boolean := coalesce(current_setting('omni.duplicate_sku_rechecking', true), '') = 'on';
begin
  with checked as (
    select k.id as product_id, p.sku, p.barcode, p.score, bv.sku as variant_sku, bv.barcode as variant_barcode,
      dv.sku as duplicate_variant_sku, dv.is_active as duplicate_variant_active, own.duplicate as own_sku_duplicate,
      -- A deleted product (none found): no codes, and its open issues resolve.
      case when p.id is null then '{}'::text[] else array_remove(array[
        case when coalesce(visible_text(p.description), '') = '' then 'MISSING_DESCRIPTION' end,
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
    returning vi.product_id, vi.code
  ), raised as (
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
    on conflict (store_id, product_id, code) where not resolved do update set message = excluded.message, severity = excluded.severity
    returning product_id, code)
  select array_agg(r.product_id) filter (where r.code = 'DUPLICATE_SKU'),
    (select array_agg(s.product_id) from resolved s where s.code = 'DUPLICATE_SKU')
  into v_duplicates, v_resolved from raised r;
  -- What this call wrote of DUPLICATE_SKU was read before other writers committed: checked again
  -- after this transaction commits (the recheck itself excepted, which runs alone, after commits).
  if not v_rechecking then
    perform record_duplicate_sku_recheck('omni.recheck_products', p_store_id, (coalesce(v_duplicates, '{}') || coalesce(v_resolved, '{}'))::text[]);
  end if;

  if v_duplicates is not null then
    perform evaluate_quality(p_store_id, array_agg(distinct h.id))
    from (
      -- The SKUs of the products found duplicate: their own and their variants', lower-case.
      with skus as (
        select lower(p.sku) as sku from unnest(v_duplicates) as d (id)
        cross join lateral (select x.sku from products x where x.store_id = p_store_id and x.id = d.id and x.sku is not null offset 0) as p
        union
        select lower(v.sku) from unnest(v_duplicates) as d (id)
        cross join lateral (select v.sku from product_variants v where v_has_variants and v.store_id = p_store_id and v.product_id = d.id offset 0) as v)
      select x.id from skus k
      cross join lateral (select x.id from products x where x.store_id = p_store_id and lower(x.sku) = k.sku offset 0) as x
      union
      select v.product_id from skus k
      cross join lateral (select v.product_id from product_variants v where v_has_variants and v.store_id = p_store_id and lower(v.sku) = k.sku offset 0) as v
    ) as h
    where h.id <> all (v_duplicates)
      and not exists (select 1 from validation_issues vi
        where vi.store_id = p_store_id and vi.product_id = h.id and vi.code = 'DUPLICATE_SKU' and not vi.resolved)
    having count(*) > 0;
  end if;
  -- The follow-up of the call (a holders' call above, made first, takes what is recorded by then),
  -- added to the transaction's one job (queue_duplicate_sku_recheck).
  if not v_rechecking then
    perform queue_duplicate_sku_recheck(p_store_id);
  end if;
end $$;


-- The products whose description the new test tells otherwise, evaluated again, a store at a time:
-- blank now (MISSING_DESCRIPTION raised), or in another band of the score (20 and 100 characters).
select evaluate_quality(s.store_id, s.ids)
from (
  select p.store_id, array_agg(p.id) as ids
  from products p
  where p.description is not null and p.description <> visible_text(p.description)
    and ((btrim(p.description) <> '' and visible_text(p.description) = '')
      or (length(p.description) >= 20) <> (length(visible_text(p.description)) >= 20)
      or (length(p.description) >= 100) <> (length(visible_text(p.description)) >= 100))
  group by p.store_id) as s;
