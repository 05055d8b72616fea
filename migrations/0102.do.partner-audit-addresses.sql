-- Seed 004: an audit event has an ip_address. The PIM's bulk jobs record their caller's; the
-- Partner API's events had none. A PATCH now records its request's address, and a batch keeps
-- the address of the request that was accepted (one more value in the accept's INSERT, no
-- statement more), which its chunks write into their events. Null for the batches accepted
-- before this migration.
alter table batches add column ip_address text;

-- 0084's, with the batch's ip_address in its audit event.
create or replace function apply_stock_chunk(p_store_id uuid, p_batch_id text, p_chunk_size int,
  out applied boolean, out remaining int, out failed_rows int[], out failed_codes text[])
language plpgsql set plan_cache_mode = force_generic_plan as $$
declare
  b record;
  e_row int[]; e_product uuid[]; e_variant uuid[]; e_warehouse uuid[]; e_stock int[];
  v_sku_rows int[]; v_external_id_rows int[];
  v_rows int[];
  v_warehouses uuid[];
  v_product_level boolean;
  v_variants int;
begin
  failed_rows := '{}'; failed_codes := '{}';
  update batches x set status = 'PROCESSING', started_at = coalesce(x.started_at, now())
  from partners p
  where x.store_id = p_store_id and x.id = p_batch_id and p.id = x.partner_id and x.pending > 0
  returning x.accepted_seq, x.request_id, x.ip_address, p.client_id, x.pending, x.accepted_rows,
    (select coalesce(array_agg((o->>'rowIndex')::int), '{}') from jsonb_array_elements(x.outcomes) o) as done
  into b;
  if not found then applied := false; return; end if;

  select r.row_index, r.product_id, r.variant_id, r.warehouse_id, r.stock, r.sku_rows, r.external_id_rows
  into e_row, e_product, e_variant, e_warehouse, e_stock, v_sku_rows, v_external_id_rows
  from batch_stock_rows r where r.store_id = p_store_id and r.batch_id = p_batch_id;
  -- The chunk's rows: all the accepted rows when none has an outcome yet and they fit in one
  -- chunk (a request's usual case); else the first p_chunk_size without one (a run that died
  -- after committing some chunks, or a small BATCH_CHUNK_SIZE), whose entries are cut out.
  v_rows := b.accepted_rows;
  if b.pending < cardinality(b.accepted_rows) or b.pending > p_chunk_size then
    select array_agg(t.i order by t.i) into v_rows
    from (select i from unnest(b.accepted_rows) as i where i not in (select unnest(b.done)) order by i limit p_chunk_size) t;
    select * into e_row, e_product, e_variant, e_warehouse, e_stock from stock_entries_of(v_rows, e_row, e_product, e_variant, e_warehouse, e_stock);
  end if;
  if e_row is null or v_rows is null then applied := false; return; end if;
  applied := true;
  remaining := b.pending - cardinality(v_rows);

  v_product_level := exists (select 1 from unnest(e_warehouse, e_stock) as a (w, s) where a.w is null and a.s is not null);
  if v_product_level then
    -- Accepted while the store had no warehouse. If it has one by now (the first took over its
    -- products' stock, add_warehouse), the stock goes to every warehouse, as the warehouse rules
    -- place a request accepted now. The store's row, share-locked, keeps a first warehouse from
    -- arriving between this look and the write.
    perform 1 from stores where id = p_store_id for share;
    select array_agg(w.id order by w.id) into v_warehouses from warehouses w where w.store_id = p_store_id;
    if v_warehouses is not null then
      select array_agg(a.r order by a.ord, w.n), array_agg(a.p order by a.ord, w.n), array_agg(a.v order by a.ord, w.n),
        array_agg(coalesce(w.id, a.w) order by a.ord, w.n), array_agg(a.s order by a.ord, w.n)
      into e_row, e_product, e_variant, e_warehouse, e_stock
      from unnest(e_row, e_product, e_variant, e_warehouse, e_stock) with ordinality as a (r, p, v, w, s, ord)
      cross join lateral (select x.id, x.n from unnest(v_warehouses) with ordinality as x (id, n) where a.w is null and a.s is not null
                          union all select null::uuid, 1 where not (a.w is null and a.s is not null)) as w;
      v_product_level := false;
    end if;
  end if;

  if v_product_level then
    -- An UPDATE skips a deleted product silently: the chunk's targets are looked up first.
    select d.rows, d.codes into failed_rows, failed_codes from stock_dead_rows(p_store_id, e_row, e_product, e_variant, v_sku_rows, v_external_id_rows) d;
  else
    -- Written as if every target were alive: one deleted since acceptance lost its rows with it,
    -- so its write is an INSERT that the stock triggers refuse (0061, 0069), and only then is the
    -- chunk looked up (a probe per target cost ~13 ms a chunk, for what is almost never there).
    begin
      perform write_stock_rows(p_store_id, b.accepted_seq, e_row, e_product, e_variant, e_warehouse, e_stock);
    exception when foreign_key_violation then
      select d.rows, d.codes into failed_rows, failed_codes from stock_dead_rows(p_store_id, e_row, e_product, e_variant, v_sku_rows, v_external_id_rows) d;
    end;
  end if;
  if cardinality(failed_rows) > 0 then
    select array_agg(r order by r) into v_rows from unnest(v_rows) as r where r <> all (failed_rows);
    if v_rows is null then return; end if;
    select * into e_row, e_product, e_variant, e_warehouse, e_stock from stock_entries_of(v_rows, e_row, e_product, e_variant, e_warehouse, e_stock);
  end if;
  if v_product_level or cardinality(failed_rows) > 0 then
    perform write_stock_rows(p_store_id, b.accepted_seq, e_row, e_product, e_variant, e_warehouse, e_stock);
  end if;

  -- The outcomes, counts and audit event of the rows written.
  select count(distinct a.r) into v_variants from unnest(e_row, e_variant) as a (r, v) where a.v is not null;
  -- Written as JSON text and read once: jsonb_build_object and jsonb_agg took 17.6 ms for 1,000
  -- outcomes under the bench's load, the text and its parse ~5. Without the null keys, which
  -- readBatch fills in: each costs the parse and the batch's bytes.
  update batches x set
    outcomes = x.outcomes || (select ('[' || string_agg(format(
        '{"rowIndex":%s,"status":"SUCCEEDED","result":{"target":"%s","id":"%s"}}',
        t.r, case when t.v is null then 'product' else 'variant' end, coalesce(t.v, t.p)), ',' order by t.r) || ']')::jsonb
      from (select distinct on (a.r) a.r, a.p, a.v from unnest(e_row, e_product, e_variant) as a (r, p, v) order by a.r) t),
    succeeded = x.succeeded + cardinality(v_rows), pending = x.pending - cardinality(v_rows)
  where x.store_id = p_store_id and x.id = p_batch_id;
  -- One audit event per chunk: the batch holds each row's target and outcome, and every
  -- accepted row has its stock.update.requested event.
  insert into audit_events (store_id, actor_type, actor, action, resource_type, resource_id, changes, request_id, ip_address)
  values (p_store_id, 'partner', b.client_id, 'stock.updated', 'batch', p_batch_id,
    jsonb_build_object('batchId', p_batch_id, 'rows', to_jsonb(v_rows), 'products', cardinality(v_rows) - v_variants, 'variants', v_variants),
    b.request_id, b.ip_address);
end $$;

-- 0086's (renamed by 0096), reading ip_address from p_audit too.
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
