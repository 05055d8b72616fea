-- A stock batch's accepted rows are stored as PostgreSQL arrays, and PostgreSQL applies
-- them a chunk at a time (apply_stock_chunk): the worker sends one call per chunk.
--
-- Why: the worker only carried the rows from one place of the database to another. It read
-- them back (Brotli-compressed JSON tuples), decompressed and parsed them, and sent them back
-- as five arrays of ~2,700 values and 1,000 outcomes as JSON, which PostgreSQL parsed again:
-- 1.1-1.6 s of the worker's CPU and a share of PostgreSQL's in the stock bench, beside
-- ~4 s of PostgreSQL doing the writes (docs/performance.md, tenth session).

-- One row per batch; one array element per write: a row that sets stock on three warehouses
-- has three. warehouse_id null: product-level stock (a store without warehouses); stock null:
-- nothing to write.
create table batch_stock_rows (
  store_id uuid not null,
  batch_id text not null,
  row_index int[] not null,
  product_id uuid[] not null,
  variant_id uuid[] not null,
  warehouse_id uuid[] not null,
  stock int[] not null,
  created_at timestamptz not null default now(),
  primary key (store_id, batch_id),
  -- Written before its batch row (outside the store's ordering lock, see batch-store.ts).
  foreign key (store_id, batch_id) references batches (store_id, id) on delete cascade deferrable initially deferred
);
-- The hourly purge finds the rows whose retention ended by their age (src/batches/retention.ts).
create index batch_stock_rows_created_idx on batch_stock_rows (created_at);
-- Stored as they are: uuids do not compress, and pglz's attempt would cost every accept.
alter table batch_stock_rows alter column row_index set storage external, alter column product_id set storage external,
  alter column variant_id set storage external, alter column warehouse_id set storage external, alter column stock set storage external;

-- The chunk's writes, each only where it is newer than what is stored: product-level stock on
-- the product's stock row (0075; a deleted product's row went with it), the rest as warehouse
-- rows (their triggers move the products' and variants' totals).
create function write_stock_rows(p_store_id uuid, p_accepted_seq bigint,
  e_row int[], e_product uuid[], e_variant uuid[], e_warehouse uuid[], e_stock int[])
returns void language plpgsql set plan_cache_mode = force_generic_plan as $$
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
end $$;

-- The rows of a chunk whose product (or variant) no longer exists, each with its code:
-- INV_001 for a variant, INV_002 for a product, as the requests named them.
create function stock_dead_rows(p_store_id uuid, e_row int[], e_product uuid[], e_variant uuid[],
  out rows int[], out codes text[])
language plpgsql set plan_cache_mode = force_generic_plan as $$
begin
  select coalesce(array_agg(d.r order by d.r), '{}'), coalesce(array_agg(case when d.variant then 'INV_001' else 'INV_002' end order by d.r), '{}')
  into rows, codes
  from (select a.r, bool_or(a.v is not null) as variant
        from unnest(e_row, e_product, e_variant) as a (r, p, v)
        where not exists (select 1 from products x where x.store_id = p_store_id and x.id = a.p)
           or (a.v is not null and not exists (select 1 from product_variants x where x.store_id = p_store_id and x.id = a.v))
        group by a.r) d;
end $$;

-- The entries of the given rows, in their order: a chunk's out of its batch's, or the live
-- rows' out of a chunk's.
create function stock_entries_of(p_rows int[], e_row int[], e_product uuid[], e_variant uuid[], e_warehouse uuid[], e_stock int[],
  out row_index int[], out product_id uuid[], out variant_id uuid[], out warehouse_id uuid[], out stock int[])
language sql immutable as $$
  select array_agg(a.r order by a.ord), array_agg(a.p order by a.ord), array_agg(a.v order by a.ord), array_agg(a.w order by a.ord), array_agg(a.s order by a.ord)
  from unnest(e_row, e_product, e_variant, e_warehouse, e_stock) with ordinality as a (r, p, v, w, s, ord)
  where a.r in (select unnest(p_rows))
$$;

-- Applies the next chunk of a stock batch: the first p_chunk_size accepted rows without an
-- outcome. Each write carries its acceptance sequence (the batch's, then the row index) and
-- replaces only a value written by an earlier-accepted request, whichever worker runs which
-- batch when. Writes the chunk's successful outcomes, its counts and its audit event; returns
-- the rows that failed (their product or variant deleted since acceptance), whose outcomes the
-- caller writes with the catalogue's messages. applied = false: nothing was left to apply;
-- remaining: the accepted rows without an outcome once the caller has written those.
create function apply_stock_chunk(p_store_id uuid, p_batch_id text, p_chunk_size int,
  out applied boolean, out remaining int, out failed_rows int[], out failed_codes text[])
language plpgsql set plan_cache_mode = force_generic_plan as $$
declare
  b record;
  e_row int[]; e_product uuid[]; e_variant uuid[]; e_warehouse uuid[]; e_stock int[];
  v_rows int[];
  v_warehouses uuid[];
  v_product_level boolean;
  v_variants int;
begin
  failed_rows := '{}'; failed_codes := '{}';
  update batches x set status = 'PROCESSING', started_at = coalesce(x.started_at, now())
  from partners p
  where x.store_id = p_store_id and x.id = p_batch_id and p.id = x.partner_id and x.pending > 0
  returning x.accepted_seq, x.request_id, p.client_id, x.pending, x.accepted_rows,
    (select coalesce(array_agg((o->>'rowIndex')::int), '{}') from jsonb_array_elements(x.outcomes) o) as done
  into b;
  if not found then applied := false; return; end if;

  select r.row_index, r.product_id, r.variant_id, r.warehouse_id, r.stock into e_row, e_product, e_variant, e_warehouse, e_stock
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
    select d.rows, d.codes into failed_rows, failed_codes from stock_dead_rows(p_store_id, e_row, e_product, e_variant) d;
  else
    -- Written as if every target were alive: one deleted since acceptance lost its rows with it,
    -- so its write is an INSERT that the stock triggers refuse (0061, 0069), and only then is the
    -- chunk looked up (a probe per target cost ~13 ms a chunk, for what is almost never there).
    begin
      perform write_stock_rows(p_store_id, b.accepted_seq, e_row, e_product, e_variant, e_warehouse, e_stock);
    exception when foreign_key_violation then
      select d.rows, d.codes into failed_rows, failed_codes from stock_dead_rows(p_store_id, e_row, e_product, e_variant) d;
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
  insert into audit_events (store_id, actor_type, actor, action, resource_type, resource_id, changes, request_id)
  values (p_store_id, 'partner', b.client_id, 'stock.updated', 'batch', p_batch_id,
    jsonb_build_object('batchId', p_batch_id, 'rows', to_jsonb(v_rows), 'products', cardinality(v_rows) - v_variants, 'variants', v_variants),
    b.request_id);
end $$;
