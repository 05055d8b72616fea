-- A stock chunk's targets found alive are held alive until the chunk commits (FOR KEY SHARE, which
-- a DELETE waits for and an update of other columns does not): on a store without warehouses the
-- chunk looks its targets up, then updates product_stock, and a deletion that committed between
-- the two made the update skip the product without a word, its row SUCCEEDED (inventory QA). A
-- deletion that is in progress when the chunk looks is waited for, and its product then counts
-- as deleted (READ COMMITTED skips a row deleted meanwhile). The targets are looked at in id
-- order, as deletions lock theirs, so that the two do not wait for each other in a cycle.
create or replace function stock_dead_rows(p_store_id uuid, e_row int[], e_product uuid[], e_variant uuid[],
  p_sku_rows int[], p_external_id_rows int[], out rows int[], out codes text[])
language plpgsql set plan_cache_mode = force_generic_plan as $$
begin
  select coalesce(array_agg(d.r order by d.r), '{}'), coalesce(array_agg(case
      when p_sku_rows is null then case when d.variant then 'INV_001' else 'INV_002' end
      when d.r = any(p_sku_rows) then 'INV_001'
      when d.r = any(p_external_id_rows) then 'INV_003'
      else 'INV_002' end order by d.r), '{}')
  into rows, codes
  from (select a.r, bool_or(a.v is not null) as variant
        from (select * from unnest(e_row, e_product, e_variant) as u (r, p, v) order by u.p, u.v) as a
        left join lateral (select true as ok from products x where x.store_id = p_store_id and x.id = a.p limit 1 for key share) xp on true
        left join lateral (select true as ok from product_variants x
          where a.v is not null and x.store_id = p_store_id and x.id = a.v limit 1 for key share) xv on true
        where xp.ok is null or (a.v is not null and xv.ok is null)
        group by a.r) d;
end $$;
