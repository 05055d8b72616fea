-- 0087 cleared the sku, price and special_price that earlier PATCHes had left on products with
-- variants, with a plain UPDATE: no data-quality evaluation, and before 0088 re-evaluated the
-- other holders of a SKU that changes. So the issues those fields had raised stayed open though
-- their cause was gone (seed 004: a fixed cause resolves its issue): SPECIAL_PRICE_NOT_BELOW_PRICE
-- (PIM jobs store such prices) and DUPLICATE_SKU on the product, and DUPLICATE_SKU on the
-- products that shared its SKU in another case (the unique index is case-sensitive, the rule is
-- not). PATCH itself evaluates the product and, through 0088, the other holders.
--
-- Evaluated again, once per store in one call of evaluate_quality: every product with variants
-- that has an open issue, and every product with an open DUPLICATE_SKU issue (which SKUs 0087
-- took is not recorded, so any of them may be a former partner of one). Only rules of those
-- products' current rows change: an issue still true stays open, as it was.
create function reevaluate_cleared_variant_products(p_store_id uuid) returns void language plpgsql as $$
declare
  v_ids uuid[];
begin
  select array_agg(distinct vi.product_id) into v_ids
  from validation_issues vi
  where vi.store_id = p_store_id and not vi.resolved
    and (vi.code = 'DUPLICATE_SKU'
      or exists (select 1 from products p where p.store_id = p_store_id and p.id = vi.product_id and p.has_variants));
  if v_ids is not null then
    perform evaluate_quality(p_store_id, v_ids);
  end if;
end $$;

select reevaluate_cleared_variant_products(s.id) from stores s
where exists (select 1 from validation_issues vi where vi.store_id = s.id and not vi.resolved);
