-- A PATCH /products/{id} of stock alone moves the product's version (its ETag) but no longer its
-- updated_at: `updatedSince` and `sortBy=updatedAt` follow the product's own fields, as they do for
-- stock updates and for bulk rows that change no field (product-writer.ts).
-- 0126's apply_product_patch_writes restated whole; only updated_at changes.
create or replace function apply_product_patch_writes(
  p_store_id uuid, p_id uuid, p_version integer, p_set jsonb, p_stock integer, p_warehouse_rows jsonb,
  p_audit jsonb, p_event jsonb, p_evaluate boolean, p_stock_read jsonb
) returns integer language plpgsql set plan_cache_mode = force_generic_plan as $$
declare
  v_version integer;
  v_stock jsonb;
begin
  if p_stock_read is not null then
    -- The product first, as its other writers lock it, then its stock rows in the order of
    -- their key, as the stock chunks write them (0082).
    perform 1 from products p where p.store_id = p_store_id and p.id = p_id and p.version = p_version for update;
    if not found then return null; end if;
    if jsonb_typeof(p_stock_read) = 'number' then
      select to_jsonb(s.stock) into v_stock from product_stock s where s.store_id = p_store_id and s.product_id = p_id for update;
    else
      select coalesce(jsonb_object_agg(l.warehouse_id, l.stock), '{}') into v_stock
      from (select ws.warehouse_id, ws.stock from warehouse_stock ws
            where ws.store_id = p_store_id and ws.product_id = p_id and ws.variant_id is null
            order by ws.warehouse_id for update) l;
    end if;
    if v_stock is distinct from p_stock_read then return null; end if;
  end if;

  update products p set
    (external_id, sku, name, description, price, special_price, weight, length, width, height, min_order,
     category_id, sub_category_id, type_id, brand_id, barcode, hashtags, condition, photos, official_banners,
     thumbnails, is_preorder, preorder_period, is_archived, insurance_required, cod_enabled) = (
      select r.external_id, r.sku, r.name, r.description, r.price, r.special_price, r.weight, r.length, r.width,
        r.height, r.min_order, r.category_id, r.sub_category_id, r.type_id, r.brand_id, r.barcode, r.hashtags,
        r.condition, r.photos, r.official_banners, r.thumbnails, r.is_preorder, r.preorder_period, r.is_archived,
        r.insurance_required, r.cod_enabled
      from jsonb_populate_record(p, p_set) r),
    field_runs = case when p_set = '{}'::jsonb then p.field_runs
      else field_runs_written(p.field_runs, nextval('batch_accept_seq') * 10000, product_field_mask(array(select jsonb_object_keys(p_set)))) end,
    -- Any change a PATCH makes is a new version (its ETag); updated_at moves with the product's own
    -- fields only, as for bulk rows: a PATCH of stock alone (or of values already there beside it)
    -- leaves updatedSince as it was, as a stock update does.
    version = p.version + 1,
    updated_at = case when (select (r.external_id, r.sku, r.name, r.description, r.price, r.special_price, r.weight, r.length, r.width, r.height,
        r.min_order, r.category_id, r.sub_category_id, r.type_id, r.brand_id, r.barcode, r.hashtags, r.condition, r.photos, r.official_banners,
        r.thumbnails, r.is_preorder, r.preorder_period, r.is_archived, r.insurance_required, r.cod_enabled)
      is distinct from (p.external_id, p.sku, p.name, p.description, p.price, p.special_price, p.weight, p.length, p.width, p.height,
        p.min_order, p.category_id, p.sub_category_id, p.type_id, p.brand_id, p.barcode, p.hashtags, p.condition, p.photos, p.official_banners,
        p.thumbnails, p.is_preorder, p.preorder_period, p.is_archived, p.insurance_required, p.cod_enabled)
      from jsonb_populate_record(p, p_set) r) then now() else p.updated_at end
  where p.store_id = p_store_id and p.id = p_id and p.version = p_version
  returning p.version into v_version;
  if v_version is null then return null; end if;

  if p_stock is not null then
    update product_stock s set stock = p_stock, stock_seq = nextval('batch_accept_seq') * 10000
    where s.store_id = p_store_id and s.product_id = p_id;
  end if;

  if p_warehouse_rows is not null then
    insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock, stock_seq)
    select p_store_id, p_id, null, w.warehouse_id, w.stock, nextval('batch_accept_seq') * 10000
    from jsonb_to_recordset(p_warehouse_rows) as w (warehouse_id uuid, stock integer)
    on conflict (store_id, product_id, variant_id, warehouse_id)
    do update set stock = excluded.stock, stock_seq = excluded.stock_seq, updated_at = now();
  end if;

  insert into audit_events (store_id, actor_type, actor, action, resource_type, resource_id, changes, request_id, ip_address)
  select p_store_id, a.actor_type, a.actor, a.action, 'product', p_id, a.changes, a.request_id, a.ip_address
  from jsonb_to_record(p_audit) as a (actor_type text, actor text, action text, changes jsonb, request_id uuid, ip_address text);

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
