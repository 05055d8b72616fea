-- An audit event's time is when it was written (clock_timestamp), not when its transaction began
-- (now()): a PIM bulk job of 500 items, 8 s long, stamped all its events with its first second,
-- before the PATCHes that ran and were logged meanwhile, under ids above theirs (audit QA). The
-- list reads newest id first; times now follow ids but for writers racing by microseconds.
alter table audit_events alter column created_at set default clock_timestamp();

-- 0102's, its audit event counting the products and variants the chunk set, not its rows.
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
  v_products int;
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
  -- The products and variants whose stock the chunk set, each once (it counted rows: three rows
  -- of one product were "products": 3; audit QA).
  select count(distinct a.p) filter (where a.v is null), count(distinct a.v) into v_products, v_variants from unnest(e_product, e_variant) as a (p, v);
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
    jsonb_build_object('batchId', p_batch_id, 'rows', to_jsonb(v_rows), 'products', v_products, 'variants', v_variants),
    b.request_id, b.ip_address);
end $$;

