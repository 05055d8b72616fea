-- Write paths whose plans do not depend on fresh statistics, and the one-call
-- apply of a synchronous PATCH.
--
-- A new store's first import runs on statistics taken when its tables were empty
-- (autovacuum analyses once a minute at best): with them the planner believed a
-- store had ~80 products and answered "these 1,000 products" by scanning the
-- whole store, so every chunk got slower as the store grew. The statements below
-- are driven by the ids they are given: each id is looked up through its key
-- inside a LATERAL subquery with LIMIT (which the planner cannot flatten into a
-- hash join), whatever the statistics say. And they run on generic plans
-- (plan_cache_mode on each function): PL/pgSQL caches a statement's plan per
-- connection, but left to choose it re-planned these on every call (1-2.5 ms each,
-- more than running them), because a custom plan looked cheaper for a given array.

-- Stock aggregates (see 0001): PL/pgSQL so the plans are cached per connection, and
-- warehouse rows are found through their key (store_id, product_id, ...), never by
-- variant_id alone. A product's stock changing does not move its updated_at (0063).
create or replace function refresh_stock_aggregates(p_store_ids uuid[], p_product_ids uuid[])
returns void language plpgsql set plan_cache_mode = force_generic_plan as $$
begin
  with keys as (
    select distinct s as store_id, p as product_id from unnest(p_store_ids, p_product_ids) as k (s, p)
  ), totals as (
    select v.store_id, v.id, v.stock,
      (select coalesce(sum(ws.stock), 0)::int from warehouse_stock ws
        where ws.store_id = v.store_id and ws.product_id = v.product_id and ws.variant_id = v.id) as total
    from keys k
    cross join lateral (select store_id, id, product_id, stock from product_variants pv
      where pv.store_id = k.store_id and pv.product_id = k.product_id limit 1000) v
  )
  update product_variants v set stock = t.total, updated_at = now()
  from totals t
  where t.stock <> t.total and v.store_id = t.store_id and v.id = t.id;

  with keys as (
    select distinct s as store_id, p as product_id from unnest(p_store_ids, p_product_ids) as k (s, p)
  ), totals as (
    select k.store_id, k.product_id, p.stock, a.total, a.rows
    from keys k
    cross join lateral (select stock from products x where x.store_id = k.store_id and x.id = k.product_id limit 1) p
    cross join lateral (
      select coalesce(sum(ws.stock) filter (where ws.variant_id is null or v.is_active), 0)::int as total, count(*) as rows
      from warehouse_stock ws
      left join product_variants v on v.store_id = ws.store_id and v.id = ws.variant_id
      where ws.store_id = k.store_id and ws.product_id = k.product_id) a
  )
  update products p set stock = t.total
  from totals t
  where t.stock <> t.total and p.store_id = t.store_id and p.id = t.product_id
    -- a product with no warehouse rows keeps its own stock (store without warehouses)
    and (t.rows > 0 or exists (select 1 from warehouses w where w.store_id = p.store_id));
end $$;

-- An upsert fires both the INSERT and the UPDATE statement triggers; the one whose
-- transition table is empty has nothing to refresh. An update of stock rows (their keys
-- never change, 0061) refreshes the products in new_rows.
create or replace function warehouse_stock_sync() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
begin
  if tg_op = 'DELETE' then
    perform refresh_stock_aggregates(array(select store_id from old_rows), array(select product_id from old_rows));
  else
    if not exists (select 1 from new_rows) then return null; end if;
    perform refresh_stock_aggregates(array(select store_id from new_rows), array(select product_id from new_rows));
  end if;
  return null;
end $$;

-- Data-quality rules (0041), the products looked up by id; each product's score is
-- computed once, and the messages only for the rules that failed (2.3x faster on
-- 1,000 products than evaluating every message for every product).
create or replace function evaluate_quality(p_store_id uuid, p_ids uuid[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
begin
  with findings as (
    select p.id as product_id, p.sku, p.barcode, p.score, f.code, f.severity
    from unnest(p_ids) as k (id)
    cross join lateral (select x.id, x.store_id, x.sku, x.description, x.photos, x.barcode, x.price, x.special_price,
        product_quality_score(x) as score
      from products x where x.store_id = p_store_id and x.id = k.id limit 1) as p
    cross join lateral (values
      ('MISSING_DESCRIPTION', 'WARNING', coalesce(btrim(p.description), '') = ''),
      ('MISSING_PHOTOS', 'WARNING', cardinality(p.photos) = 0),
      ('INVALID_BARCODE', 'ERROR', coalesce(p.barcode, '') <> '' and not gtin_valid(p.barcode)),
      ('SPECIAL_PRICE_NOT_BELOW_PRICE', 'ERROR', p.special_price is not null and p.price is not null and p.special_price >= p.price),
      ('DUPLICATE_SKU', 'ERROR', p.sku is not null and (
          exists (select 1 from products o where o.store_id = p.store_id and lower(o.sku) = lower(p.sku) and o.id <> p.id)
          or exists (select 1 from product_variants v where v.store_id = p.store_id and lower(v.sku) = lower(p.sku) and v.product_id <> p.id))),
      ('LOW_QUALITY_SCORE', 'WARNING', p.score < 50)
    ) as f(code, severity, failed)
    where f.failed
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
      when 'INVALID_BARCODE' then 'Barcode ' || coalesce(q.barcode, '') || ' is not a valid GTIN-8/12/13/14'
      when 'SPECIAL_PRICE_NOT_BELOW_PRICE' then 'The special price is not below the price'
      when 'DUPLICATE_SKU' then 'Another product or variant of the store has the SKU ' || coalesce(q.sku, '')
      else 'Data quality score ' || q.score || ' is below 50' end
  from findings q
  on conflict (store_id, product_id, code) where not resolved do update set message = excluded.message, severity = excluded.severity;
end $$;

-- PATCH /products/{id} without a variant set, applied in one call (src/catalog/product-update.ts):
-- the caller read the product, checked every rule and computed what changes; this
-- writes it only if the product is still at the version that was read (else it
-- returns null and the caller starts over), with its warehouse rows, its audit
-- event, its outbox event and, when a column they read changed, the quality rules.
-- p_set holds products columns (snake_case) and their new values; columns it does
-- not name keep their value (jsonb_populate_record over the current row).
create function apply_product_patch(
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
    stock = coalesce(p_stock, p.stock), version = p.version + 1, updated_at = now()
  where p.store_id = p_store_id and p.id = p_id and p.version = p_version
  returning p.version into v_version;
  if v_version is null then return null; end if;

  if p_warehouse_rows is not null then
    insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock)
    select p_store_id, p_id, null, w.warehouse_id, w.stock
    from jsonb_to_recordset(p_warehouse_rows) as w (warehouse_id uuid, stock integer)
    on conflict (store_id, product_id, variant_id, warehouse_id) do update set stock = excluded.stock, updated_at = now();
  end if;

  insert into audit_events (store_id, actor_type, actor, action, resource_type, resource_id, changes, request_id)
  select p_store_id, a.actor_type, a.actor, a.action, 'product', p_id, a.changes, a.request_id
  from jsonb_to_record(p_audit) as a (actor_type text, actor text, action text, changes jsonb, request_id uuid);

  insert into outbox_events (partner_id, store_id, type, payload)
  select e.partner_id, p_store_id, e.type, e.payload || jsonb_build_object('version', v_version)
  from jsonb_to_record(p_event) as e (partner_id uuid, type text, payload jsonb);

  if p_evaluate then
    perform evaluate_quality(p_store_id, array[p_id]);
  end if;
  return v_version;
end $$;
