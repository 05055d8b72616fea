-- An UPDATE of stock rows moves the aggregates by what it changed, instead of
-- summing every row of the products it touched again.
--
-- Why: for 2,000 changed rows (1,900 products) the recompute took 52 ms of the
-- statement's 80: a products lookup and a sum over the stock rows for each product,
-- before the update itself. A row's keys never change (0061), so the UPDATE's old and
-- new rows hold the same keys, and each aggregate moves by sum(new) - sum(old).
--
-- It is also what makes concurrent writers of one product correct. The recompute
-- summed the rows in the snapshot its statement started with, then waited for the
-- product's row lock: when another transaction that changed another warehouse row of
-- that product committed meanwhile, the recomputed total missed that change and
-- overwrote it. `stock = stock + delta` is applied to the newest row version after
-- the wait, so both changes count (test: stock-and-audit.test.ts).
--
-- INSERT and DELETE still recompute (new products arrive with their stock already
-- written, 0063; deletions are rare). In an upsert PostgreSQL fires the UPDATE
-- statement trigger before the INSERT one, so a recompute that follows deltas of the
-- same statement sees them applied, and its totals stand.
--
-- A recompute is only right when it sees every committed change to the product's
-- rows, and a statement's snapshot is taken when it starts: had another transaction
-- held the product (it changed another of its rows), the recompute would wait for it
-- with a total from before that change, and overwrite it. So it first takes the
-- products' row locks, in id order, and then recomputes in statements of its own (new
-- snapshots), after every other writer of those products has committed. A new product
-- is locked by the transaction that created it, so the import only pays the lock.
create function apply_stock_deltas(p_store_ids uuid[], p_product_ids uuid[], p_variant_ids uuid[], p_deltas integer[])
returns void language plpgsql
-- A handful of ids against tables of millions: always index lookups, whatever the
-- statistics were when a connection first planned this.
set plan_cache_mode = force_generic_plan set enable_hashjoin = off set enable_mergejoin = off as $$
begin
  with d as (
    select k.s as store_id, k.v as variant_id, sum(k.x)::int as delta
    from unnest(p_store_ids, p_variant_ids, p_deltas) as k (s, v, x)
    where k.v is not null
    group by 1, 2 having sum(k.x) <> 0
  )
  update product_variants pv set stock = pv.stock + d.delta, updated_at = now()
  from d where pv.store_id = d.store_id and pv.id = d.variant_id;

  -- A product's stock counts the rows of no variant and of its active variants.
  with d as (
    select k.s as store_id, k.p as product_id, sum(k.x)::int as delta
    from unnest(p_store_ids, p_product_ids, p_variant_ids, p_deltas) as k (s, p, v, x)
    left join lateral (select pv.is_active from product_variants pv where pv.store_id = k.s and pv.id = k.v limit 1) a on true
    where k.v is null or a.is_active
    group by 1, 2 having sum(k.x) <> 0
  )
  update products p set stock = p.stock + d.delta
  from d where p.store_id = d.store_id and p.id = d.product_id;
end $$;

create function lock_stock_products(p_store_ids uuid[], p_product_ids uuid[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
begin
  perform 1
  from (select distinct s, p from unnest(p_store_ids, p_product_ids) as k (s, p) order by s, p) k
  cross join lateral (select 1 from products x where x.store_id = k.s and x.id = k.p limit 1 for no key update) l;
end $$;

create or replace function warehouse_stock_sync() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
begin
  if tg_op = 'UPDATE' then
    if not exists (select 1 from new_rows) then return null; end if;
    perform apply_stock_deltas(
      array(select store_id from new_rows) || array(select store_id from old_rows),
      array(select product_id from new_rows) || array(select product_id from old_rows),
      array(select variant_id from new_rows) || array(select variant_id from old_rows),
      array(select stock from new_rows) || array(select -stock from old_rows));
  elsif tg_op = 'DELETE' then
    perform lock_stock_products(array(select store_id from old_rows), array(select product_id from old_rows));
    perform refresh_stock_aggregates(array(select store_id from old_rows), array(select product_id from old_rows));
  else
    if not exists (select 1 from new_rows) then return null; end if;
    perform lock_stock_products(array(select store_id from new_rows), array(select product_id from new_rows));
    perform refresh_stock_aggregates(array(select store_id from new_rows), array(select product_id from new_rows));
  end if;
  return null;
end $$;
