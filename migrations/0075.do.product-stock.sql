-- A product's stock lives in a narrow table of its own, product_stock, instead of on the
-- ~1 KB products row.
--
-- Why: every stock change moves its product's total, and after a checkpoint the first change
-- to a page writes the whole page to the WAL. In the stock bench (100,000 updates of 100,000
-- products) the totals' update wrote ~21,000 full pages (~150 MB of WAL) for products, about as
-- many as the products table has pages; on 40-byte rows the same totals fill ~900 pages. Over
-- 100 chunks of 1,000 products, each its own transaction after a checkpoint, the update took
-- 2.00 and 1.73 s on products against 1.25 and 0.93 s on a narrow copy (psql, uncontended).
--
-- Every product has its row, written with the product: the product writer inserts it in the
-- same statement, with the product's first stock, and says so with omni.stock_rows_written
-- (transaction-local, consumed by the trigger below, as 0070's flag); any other insert of
-- products gets rows with 0 from that trigger. Probing the writer's 1,000 rows again cost 9.6 ms
-- a chunk. Rows go with their product.
create table product_stock (
  store_id uuid not null,
  product_id uuid not null,
  stock integer not null default 0 check (stock >= 0),
  -- The acceptance sequence of the last product-level stock written (stores without warehouses).
  stock_seq bigint not null default 0,
  primary key (store_id, product_id)
) with (fillfactor = 80);

insert into product_stock (store_id, product_id, stock, stock_seq) select store_id, id, stock, stock_seq from products;
alter table products drop column stock, drop column stock_seq;

create function products_add_stock_rows() returns trigger language plpgsql as $$
begin
  if coalesce(current_setting('omni.stock_rows_written', true), '') = 'on' then
    perform set_config('omni.stock_rows_written', '', true);
    return null;
  end if;
  insert into product_stock (store_id, product_id) select n.store_id, n.id from new_rows n on conflict do nothing;
  return null;
end $$;
create trigger products_add_stock_rows after insert on products
  referencing new table as new_rows for each statement execute function products_add_stock_rows();

-- A product's stock row goes first: a transaction writing new stock rows for the product
-- holds that row's lock (below), so the deletion waits for it here, and the next statement
-- (a snapshot of its own) sees and deletes the rows it wrote.
create or replace function warehouse_stock_cascade() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'products' then
    delete from product_stock where store_id = old.store_id and product_id = old.id;
    delete from warehouse_stock where store_id = old.store_id and product_id = old.id;
  elsif tg_table_name = 'product_variants' then
    delete from warehouse_stock where store_id = old.store_id and product_id = old.product_id and variant_id = old.id;
  else
    delete from warehouse_stock where store_id = old.store_id and warehouse_id = old.id;
  end if;
  return null;
end $$;

-- The locks that order writers of a product's stock rows, and check that the product exists
-- (0066, 0069), are taken on its product_stock row, whose page the deltas write anyway: a lock
-- on the products row writes to that page as well, which after a checkpoint is a full page in
-- the WAL (10,494 of them in a stock bench run, for the ~15,000 products given a new row).
create or replace function lock_products_for_stock(p_store_ids uuid[], p_product_ids uuid[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  wanted bigint;
  found bigint;
begin
  select count(*), count(l.ok) into wanted, found
  from (select distinct s, p from unnest(p_store_ids, p_product_ids) as k (s, p) order by s, p) k
  left join lateral (select true as ok from product_stock x where x.store_id = k.s and x.product_id = k.p limit 1 for no key update) l on true;
  if found < wanted then
    raise foreign_key_violation using message = 'warehouse_stock references a product that does not exist';
  end if;
end $$;

create or replace function lock_stock_products(p_store_ids uuid[], p_product_ids uuid[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
begin
  perform 1
  from (select distinct s, p from unnest(p_store_ids, p_product_ids) as k (s, p) order by s, p) k
  cross join lateral (select 1 from product_stock x where x.store_id = k.s and x.product_id = k.p limit 1 for no key update) l;
end $$;

-- The functions that read or write a product's stock, as last defined (0065, 0069, 0073), on product_stock.

create or replace function recount_stock(p_store_ids uuid[], p_product_ids uuid[], p_variant_ids uuid[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan set enable_hashjoin = off set enable_mergejoin = off as $$
begin
  if exists (select 1 from unnest(p_variant_ids) as v (id) where v.id is not null) then
    with keys as (
      select distinct s as store_id, v as variant_id from unnest(p_store_ids, p_variant_ids) as k (s, v) where v is not null
    ), totals as (
      select v.store_id, v.id, v.stock,
        (select coalesce(sum(ws.stock), 0)::int from warehouse_stock ws
          where ws.store_id = v.store_id and ws.product_id = v.product_id and ws.variant_id = v.id) as total
      from keys k
      cross join lateral (select store_id, id, product_id, stock from product_variants pv
        where pv.store_id = k.store_id and pv.id = k.variant_id limit 1) v
    )
    update product_variants v set stock = t.total, updated_at = now()
    from totals t
    where t.stock <> t.total and v.store_id = t.store_id and v.id = t.id;
  end if;

  with keys as (
    select distinct s as store_id, p as product_id from unnest(p_store_ids, p_product_ids) as k (s, p)
  ), totals as (
    select k.store_id, k.product_id, p.stock, a.total, a.rows
    from keys k
    cross join lateral (select stock from product_stock x where x.store_id = k.store_id and x.product_id = k.product_id limit 1) p
    cross join lateral (
      select coalesce(sum(ws.stock) filter (where ws.variant_id is null or v.is_active), 0)::int as total, count(*) as rows
      from warehouse_stock ws
      left join product_variants v on v.store_id = ws.store_id and v.id = ws.variant_id
      where ws.store_id = k.store_id and ws.product_id = k.product_id) a
  )
  update product_stock p set stock = t.total
  from totals t
  where t.stock <> t.total and p.store_id = t.store_id and p.product_id = t.product_id
    -- a product with no warehouse rows keeps its own stock (store without warehouses)
    and (t.rows > 0 or exists (select 1 from warehouses w where w.store_id = p.store_id));
end $$;

create or replace function warehouse_stock_sync() returns trigger language plpgsql
set plan_cache_mode = force_generic_plan set enable_hashjoin = off set enable_mergejoin = off as $$
begin
  if tg_op = 'UPDATE' then
    with per_key as (
      select c.store_id, c.product_id, c.variant_id, sum(c.stock)::int as delta
      from (select n.store_id, n.product_id, n.variant_id, n.stock from new_rows n
            union all select o.store_id, o.product_id, o.variant_id, -o.stock from old_rows o) c
      group by 1, 2, 3 having sum(c.stock) <> 0
    ), variants as (
      update product_variants pv set stock = pv.stock + k.delta, updated_at = now()
      from per_key k where k.variant_id is not null and pv.store_id = k.store_id and pv.id = k.variant_id
      returning pv.store_id, pv.product_id, pv.is_active, k.delta
    ), d as (
      select x.store_id, x.product_id, sum(x.delta)::int as delta
      from (select k.store_id, k.product_id, k.delta from per_key k where k.variant_id is null
            union all select v.store_id, v.product_id, v.delta from variants v where v.is_active) x
      group by 1, 2 having sum(x.delta) <> 0
    )
    update product_stock p set stock = p.stock + d.delta
    from d where p.store_id = d.store_id and p.product_id = d.product_id;
  elsif tg_op = 'DELETE' then
    perform lock_stock_products(array(select store_id from old_rows), array(select product_id from old_rows));
    perform recount_stock(array(select store_id from old_rows), array(select product_id from old_rows), array(select variant_id from old_rows));
  else
    -- A new product's rows, already counted (0070).
    if coalesce(current_setting('omni.stock_counted', true), '') = 'on' then
      perform set_config('omni.stock_counted', '', true);
      return null;
    end if;
    if not exists (select 1 from new_rows) then return null; end if;
    perform lock_products_for_stock(array(select store_id from new_rows), array(select product_id from new_rows));
    -- The UPDATE branch's statement with new_rows alone (an INSERT trigger has no old table).
    with per_key as (
      select n.store_id, n.product_id, n.variant_id, sum(n.stock)::int as delta
      from new_rows n
      group by 1, 2, 3 having sum(n.stock) <> 0
    ), variants as (
      update product_variants pv set stock = pv.stock + k.delta, updated_at = now()
      from per_key k where k.variant_id is not null and pv.store_id = k.store_id and pv.id = k.variant_id
      returning pv.store_id, pv.product_id, pv.is_active, k.delta
    ), d as (
      select x.store_id, x.product_id, sum(x.delta)::int as delta
      from (select k.store_id, k.product_id, k.delta from per_key k where k.variant_id is null
            union all select v.store_id, v.product_id, v.delta from variants v where v.is_active) x
      group by 1, 2 having sum(x.delta) <> 0
    )
    update product_stock p set stock = p.stock + d.delta
    from d where p.store_id = d.store_id and p.product_id = d.product_id;
  end if;
  return null;
end $$;

create or replace function apply_product_patch(
  p_store_id uuid, p_id uuid, p_version integer, p_set jsonb, p_stock integer, p_warehouse_rows jsonb,
  p_audit jsonb, p_event jsonb, p_evaluate boolean
) returns integer language plpgsql set plan_cache_mode = force_generic_plan as $$
declare
  v_version integer;
begin
  update products p set
    (external_id, sku, name, description, price, special_price, weight, length, width, height, min_order,
     category_id, sub_category_id, type_id, brand_id, barcode, hashtags, condition, photos, official_banners,
     thumbnails, is_preorder, preorder_period, is_archived, insurance_required, cod_enabled) = (
      select r.external_id, r.sku, r.name, r.description, r.price, r.special_price, r.weight, r.length, r.width,
        r.height, r.min_order, r.category_id, r.sub_category_id, r.type_id, r.brand_id, r.barcode, r.hashtags,
        r.condition, r.photos, r.official_banners, r.thumbnails, r.is_preorder, r.preorder_period, r.is_archived,
        r.insurance_required, r.cod_enabled
      from jsonb_populate_record(p, p_set) r),
    version = p.version + 1, updated_at = now()
  where p.store_id = p_store_id and p.id = p_id and p.version = p_version
  returning p.version into v_version;
  if v_version is null then return null; end if;

  if p_stock is not null then
    update product_stock s set stock = p_stock where s.store_id = p_store_id and s.product_id = p_id;
  end if;

  if p_warehouse_rows is not null then
    insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock)
    select p_store_id, p_id, null, w.warehouse_id, w.stock
    from jsonb_to_recordset(p_warehouse_rows) as w (warehouse_id uuid, stock integer)
    on conflict (store_id, product_id, variant_id, warehouse_id) do update set stock = excluded.stock, updated_at = now();
  end if;

  insert into audit_events (store_id, actor_type, actor, action, resource_type, resource_id, changes, request_id)
  select p_store_id, a.actor_type, a.actor, a.action, 'product', p_id, a.changes, a.request_id
  from jsonb_to_record(p_audit) as a (actor_type text, actor text, action text, changes jsonb, request_id uuid);

  -- A test before the insert, not a filter in it: an INSERT of no rows still fires the
  -- statement-level fan-out trigger.
  if exists (select from webhook_endpoints w where w.partner_id = (p_event->>'partner_id')::uuid and w.enabled
             and (cardinality(w.event_types) = 0 or p_event->>'type' = any (w.event_types))) then
    insert into outbox_events (partner_id, store_id, type, payload)
    select e.partner_id, p_store_id, e.type, e.payload || jsonb_build_object('version', v_version)
    from jsonb_to_record(p_event) as e (partner_id uuid, type text, payload jsonb);
  end if;

  if p_evaluate then
    perform evaluate_quality(p_store_id, array[p_id]);
  end if;
  return v_version;
end $$;

create or replace function add_warehouse(p_store_id uuid, p_client_id text, p_name text)
returns table (client_id text, name text) language plpgsql as $$
declare
  v_id uuid;
  v_first boolean;
begin
  perform 1 from stores s where s.id = p_store_id for update;
  v_first := not exists (select 1 from warehouses w where w.store_id = p_store_id);
  insert into warehouses (store_id, client_id, name) values (p_store_id, p_client_id, p_name) returning id into v_id;
  if v_first then
    perform set_config('omni.stock_counted', 'on', true);
    insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock, stock_seq)
    select p.store_id, p.id, null, v_id, s.stock, s.stock_seq
    from products p join product_stock s on s.store_id = p.store_id and s.product_id = p.id
    where p.store_id = p_store_id and not p.has_variants and s.stock > 0;
    -- No row inserted: the trigger still fired and took the flag (it fires once a statement).
  end if;
  return query select p_client_id, p_name;
end $$;

-- Products with their stock, for people reading the database (psql, reports) and tests.
create view products_with_stock as
  select p.*, coalesce(s.stock, 0) as stock, coalesce(s.stock_seq, 0) as stock_seq
  from products p left join product_stock s on s.store_id = p.store_id and s.product_id = p.id;

-- Stock changes no longer rewrite products rows: their pages need room only for a PATCH's
-- new version again, as before 0072.
alter table products set (fillfactor = 85);
