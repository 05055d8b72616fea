-- 0138's lock undone (review): FOR KEY SHARE on every product of a chunk of product-level stock
-- wrote each lock to its tuple (~56 KB of WAL a 1,000-row chunk) and made stock chunks and the
-- price and catalog writers that lock products FOR UPDATE wait for each other. Instead the chunk
-- looks its targets up again after its write (apply_stock_chunk below): a deletion that committed
-- between the first look-up and the write made the UPDATE skip the product, and the second
-- look-up, in a snapshot taken after the write, finds it deleted; a product the write did update
-- cannot be deleted before the chunk commits (the deletion waits for its product_stock row).

-- 0109's.
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
        from unnest(e_row, e_product, e_variant) as a (r, p, v)
        left join lateral (select true as ok from products x where x.store_id = p_store_id and x.id = a.p limit 1) xp on true
        left join lateral (select true as ok from product_variants x
          where a.v is not null and x.store_id = p_store_id and x.id = a.v limit 1) xv on true
        where xp.ok is null or (a.v is not null and xv.ok is null)
        group by a.r) d;
end $$;

-- 0137's, looking the product-level targets up again after the write.
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
  v_late_rows int[]; v_late_codes text[];
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
  if v_product_level then
    -- A deletion that committed between the look-up and the write: the UPDATE skipped its product
    -- without a word (its row was SUCCEEDED; inventory QA). Looked up again, in a snapshot taken
    -- after the write: a product the write updated cannot be deleted before this commits, so one
    -- found deleted now is one the write skipped.
    select d.rows, d.codes into v_late_rows, v_late_codes from stock_dead_rows(p_store_id, e_row, e_product, e_variant, v_sku_rows, v_external_id_rows) d;
    if cardinality(v_late_rows) > 0 then
      failed_rows := failed_rows || v_late_rows;
      failed_codes := failed_codes || v_late_codes;
      select array_agg(r order by r) into v_rows from unnest(v_rows) as r where r <> all (v_late_rows);
      if v_rows is null then return; end if;
      select * into e_row, e_product, e_variant, e_warehouse, e_stock from stock_entries_of(v_rows, e_row, e_product, e_variant, e_warehouse, e_stock);
    end if;
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

