-- write_stock_rows finds each product's stock row by its primary key, whatever the statistics say of
-- the store (0110's write_stock_rows restated whole; only the product_stock update changes).
--
-- Why: the update joined the entries with product_stock by `p.store_id = p_store_id and
-- p.product_id = u.p`. The store condition stands alone there, so where the statistics give the
-- store few stock rows (a marketplace of one-product stores, the store's own rows not yet analysed),
-- the planner read the store's stock rows once through the primary key and hashed them against the
-- entries: every product of the store, per stock chunk. bench/probe-one-product-stores.ts (STOCK=1,
-- 5,000 one-product stores, a store of 3,000 products): 100 products' stock read 3,000 product_stock
-- index entries (PostgreSQL 18 and 15). Now the entries carry the store and the update joins on both
-- primary key columns from them (as 0112 does for evaluate_quality): one probe an entry.
create or replace function write_stock_rows(p_store_id uuid, p_accepted_seq bigint,
  e_row int[], e_product uuid[], e_variant uuid[], e_warehouse uuid[], e_stock int[])
returns void language plpgsql set plan_cache_mode = force_generic_plan as $$
declare
  v_taken uuid;
begin
  update product_stock p set stock = u.stock, stock_seq = u.seq
  from (select distinct on (a.p) p_store_id as store_id, a.p, a.s as stock, p_accepted_seq * 10000 + a.r as seq
        from unnest(e_row, e_product, e_warehouse, e_stock) as a (r, p, w, s)
        where a.w is null and a.s is not null order by a.p, a.r desc) u
  -- By u's store, not p_store_id: a store condition on product_stock alone would let the store's
  -- rows be read once and hashed, where the statistics give the store few (0113).
  where p.store_id = u.store_id and p.product_id = u.p and p.stock_seq < u.seq;
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

