-- A stock update, products/bulk or price row accepted for a simple product that was then given variants
-- and made simple again before the row was applied fails, as one applied while the product had
-- variants does (0089: INV_005; products/bulk: PRD_005; price rows: PRD_040). It was applied, and
-- brought back the stock (or price) that giving the product variants had cleared (QA). The PATCH
-- that makes a product simple again marks it here, with the sequence of its variant_set run (0127);
-- products/bulk and price rows compare their acceptance sequence with it (product-writer.ts,
-- price-batches.ts), and write_stock_rows (0113's, restated whole; only its last check is new)
-- each product-level entry. A store whose products were never made simple again (nearly every
-- one) pays one probe of this empty index a chunk.
create table products_made_simple (
  store_id uuid not null,
  product_id uuid not null,
  -- The acceptance sequence (batch_accept_seq × 10,000) of the PATCH that made it simple last.
  seq bigint not null,
  primary key (store_id, product_id),
  foreign key (store_id, product_id) references products (store_id, id) on delete cascade
);
create index products_made_simple_seq_idx on products_made_simple (store_id, seq);

-- The acceptance sequence of the write that set these columns last (field_runs, 0125), or null.
create function field_runs_seq_of(p_runs bigint[], p_mask bigint) returns bigint language sql immutable parallel safe as $$
  select max(p_runs[i]) from generate_subscripts(p_runs, 1) as i where i % 2 = 1 and p_runs[i + 1] & p_mask <> 0
$$;

-- Products made simple again before this migration: their variant_set run (0127) is the PATCH's. A
-- simple product with such a run but no variant never had any (a PATCH sent it `variants.items: []`).
insert into products_made_simple (store_id, product_id, seq)
select p.store_id, p.id, field_runs_seq_of(p.field_runs, product_field_mask('{variant_set}'))
from products p
where not p.has_variants and field_runs_seq_of(p.field_runs, product_field_mask('{variant_set}')) is not null
  and exists (select from product_variants v where v.store_id = p.store_id and v.product_id = p.id)
on conflict (store_id, product_id) do nothing;

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
  -- variants once per entry (0113).
  -- The store's first entry of products_with_variants_idx (0110).
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
  -- Stock accepted for a product before it was given variants and made simple again (0129): a
  -- probe of the store's marks of such products later than the batch's first row, then one a
  -- product-level entry of the products marked.
  if exists (select 1 from products_made_simple m where m.store_id = p_store_id and m.seq > p_accepted_seq * 10000 limit 1) then
    select a.p into v_taken
    from unnest(e_row, e_product, e_variant) as a (r, p, v)
    join products_made_simple m on m.store_id = p_store_id and m.product_id = a.p
    where a.v is null and m.seq > p_accepted_seq * 10000 + a.r
    limit 1;
    if v_taken is not null then
      raise check_violation using message = format('product %s was given variants and made simple again after the stock was accepted', v_taken),
        constraint = 'stock_of_product_made_simple', table = 'warehouse_stock';
    end if;
  end if;
end $$;

