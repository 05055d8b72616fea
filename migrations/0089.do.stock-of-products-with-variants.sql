-- A stock row accepted for a simple product whose product took variants before the row was
-- applied (PATCH with a variant set, or a with-variants bulk update, in between) gave that
-- product a stock of its own: warehouse rows with no variant, or its product_stock on a store
-- without warehouses. A product with variants has none (seed 003; 0087), and at accept such a
-- row is INV_005. Now the chunk is refused, and the stock chunks' row isolation
-- (src/inventory/stock-batches.ts) fails that row alone with INV_005 (row-isolation.ts reads the
-- constraint name below).
--
-- Checked after the writes, so that a conversion committed before the check is seen (a
-- conversion committing later deletes the product's own warehouse rows it finds, and waits for
-- this chunk's on the rows both write). Cost: one probe of a partial index that holds only the
-- products with variants, for the store; a probe a product-level entry only in a store that has
-- products with variants (a probe of the products' heap per target cost ~13 ms a chunk, 0084).
create index products_with_variants_idx on products (store_id, id) where has_variants;

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

  if exists (select 1 from products x where x.store_id = p_store_id and x.has_variants) then
    select a.p into v_taken
    from unnest(e_product, e_variant) as a (p, v)
    where a.v is null and exists (select 1 from products x where x.store_id = p_store_id and x.id = a.p and x.has_variants)
    limit 1;
    if v_taken is not null then
      raise check_violation using message = format('product %s has variants: its stock is set on its variants', v_taken),
        constraint = 'stock_of_product_with_variants', table = 'warehouse_stock';
    end if;
  end if;
end $$;
