-- DUPLICATE_SKU checked again after commit: every transaction that adds, changes or removes a
-- SKU, or writes a DUPLICATE_SKU issue, queues one follow-up job that evaluates again, once its
-- rows are committed, the products those SKUs lead to (catalog.recheck-duplicate-skus; a store's
-- follow-ups run one at a time, under an advisory lock of the store). evaluate_quality is restated whole (0118's)
-- for it: it records what it wrote of DUPLICATE_SKU and queues the transaction's follow-up.
--
-- Why: evaluate_quality runs in the writer's READ COMMITTED transaction, which does not see
-- another writer's uncommitted rows, and writers of products do not wait for each other (the
-- store's key lock is shared for them). Two imports of "C-1" and "c-1" each found no other
-- holder, and neither product was flagged (QA: 3 of 10 tries); an import of "s-1" flagged itself
-- and X, which held "S-1" in its snapshot while a bulk update renamed X to "R-1": both issues
-- stayed open, and both products out of every export (3 of 8). Each follow-up starts after its
-- own transaction committed and after the follow-ups before it ended, so the last of them sees
-- every writer's rows; it evaluates the whole products again (idempotent), so which one runs
-- last does not matter.
--
-- What a transaction records (transaction-local settings; a savepoint rolled back drops what was
-- recorded inside it):
--   omni.recheck_skus: the lower-cased SKUs of rows inserted, deleted, or whose SKU changed other
--     than in case (the old and the new one), per store, as `["<store>","<sku>"]`, comma-separated;
--   omni.recheck_products: products whose DUPLICATE_SKU issue evaluate_quality raised, kept or
--     resolved, likewise: one it flagged may have been renamed since its snapshot (the X above),
--     so that it holds none of the SKUs recorded.
-- evaluate_quality, which every writer calls after its writes (after-products-changed.ts), takes
-- the store's part and queues it with graphile_worker.add_job (one job for the call; a
-- transaction's later call queues another only for what was recorded since). The follow-up
-- evaluates the holders of a SKU held more than once, and those with an open DUPLICATE_SKU
-- issue, and the products recorded; with omni.duplicate_sku_rechecking set it records nothing.
-- Why not locks (hash buckets of lower(sku), 64, taken sorted before the evaluation): a chunk of
-- 1,000 SKUs takes every bucket, so the store's chunks would evaluate and commit one at a time,
-- and a row trigger of 0088 evaluates mid-statement, before any such lock, where waiting for one
-- could deadlock with a writer holding rows this one wants.

-- Appends `p_values` of the store to the setting `p_setting` (above).
create function record_duplicate_sku_recheck(p_setting text, p_store_id uuid, p_values text[]) returns void language plpgsql as $$
declare
  v_new text := (select string_agg(json_build_array(p_store_id, v.value)::text, ',') from unnest(p_values) as v (value) where v.value is not null);
begin
  if v_new is not null then
    perform set_config(p_setting, concat_ws(',', nullif(current_setting(p_setting, true), ''), v_new), true);
  end if;
end $$;

-- The store's values recorded in `p_setting`, distinct, taken out of it (other stores' stay).
create function take_duplicate_sku_rechecks(p_setting text, p_store_id uuid) returns text[] language plpgsql as $$
declare
  v_recorded jsonb := ('[' || coalesce(current_setting(p_setting, true), '') || ']')::jsonb;
  v_taken text[];
begin
  if jsonb_array_length(v_recorded) = 0 then return null; end if;
  select array_agg(distinct e->>1) into v_taken from jsonb_array_elements(v_recorded) as e where e->>0 = p_store_id::text;
  perform set_config(p_setting, coalesce((select string_agg(e::text, ',') from jsonb_array_elements(v_recorded) as e
    where e->>0 <> p_store_id::text), ''), true);
  return v_taken;
end $$;

-- Queues the store's follow-up with what the transaction recorded, if anything. In no named queue:
-- add_job inserts a new queue's row, and a second writer adding to that queue waited for the first
-- one's commit (the store's writers serialized from there, each new store's first chunks at least).
-- One job a transaction: its key is the transaction's, and its payload an array (a graphile-worker
-- batch job), so a second call of the transaction adds its part to the job the first one added
-- (0088's rename triggers evaluate row by row: a chunk renaming 20 flagged products queued 21
-- jobs). Another transaction's key is another: no writer waits for another's job row.
create function queue_duplicate_sku_recheck(p_store_id uuid) returns void language plpgsql as $$
declare
  v_skus text[] := take_duplicate_sku_rechecks('omni.recheck_skus', p_store_id);
  v_ids text[] := take_duplicate_sku_rechecks('omni.recheck_products', p_store_id);
begin
  if v_skus is null and v_ids is null then return; end if;
  perform graphile_worker.add_job('catalog.recheck-duplicate-skus',
    json_build_array(json_build_object('storeId', p_store_id, 'skus', coalesce(v_skus, '{}'), 'productIds', coalesce(v_ids, '{}'))),
    max_attempts => 25, job_key => 'duplicate-sku-recheck:' || txid_current());
end $$;

-- New and deleted rows' SKUs (statement triggers: one aggregate a statement, over the transition
-- table the other insert triggers already fill), and a changed SKU's old and new one (a row
-- trigger filtered by its WHEN, as 0088's: renames are rare).
create function skus_written_record_recheck() returns trigger language plpgsql as $$
declare
  r record;
begin
  if tg_op = 'INSERT' then
    for r in select store_id, array_agg(lower(sku)) as skus from new_rows where sku is not null group by store_id loop
      perform record_duplicate_sku_recheck('omni.recheck_skus', r.store_id, r.skus);
    end loop;
  else
    for r in select store_id, array_agg(lower(sku)) as skus from old_rows where sku is not null group by store_id loop
      perform record_duplicate_sku_recheck('omni.recheck_skus', r.store_id, r.skus);
    end loop;
  end if;
  return null;
end $$;
create function sku_moved_record_recheck() returns trigger language plpgsql as $$
begin
  perform record_duplicate_sku_recheck('omni.recheck_skus', new.store_id, array[lower(old.sku), lower(new.sku)]);
  return null;
end $$;
create trigger products_skus_inserted_recheck after insert on products
  referencing new table as new_rows for each statement execute function skus_written_record_recheck();
create trigger product_variants_skus_inserted_recheck after insert on product_variants
  referencing new table as new_rows for each statement execute function skus_written_record_recheck();
create trigger products_skus_deleted_recheck after delete on products
  referencing old table as old_rows for each statement execute function skus_written_record_recheck();
create trigger product_variants_skus_deleted_recheck after delete on product_variants
  referencing old table as old_rows for each statement execute function skus_written_record_recheck();
create trigger products_sku_moved_recheck after update of sku on products
  for each row when (lower(old.sku) is distinct from lower(new.sku)) execute function sku_moved_record_recheck();
create trigger product_variants_sku_moved_recheck after update of sku on product_variants
  for each row when (lower(old.sku) is distinct from lower(new.sku)) execute function sku_moved_record_recheck();

create function duplicate_sku_recheck_lock_space() returns int language sql immutable as 'select 123';

-- The follow-up (src/catalog/duplicate-sku-recheck.ts): of the SKUs given (lower-cased), the
-- holders of one held more than once (products and variants together: a product and its own
-- variant count twice, and evaluate_quality then finds no duplicate) and the holders with an open
-- DUPLICATE_SKU issue; and the products given. Each SKU looked up on its own, as 0109's
-- reevaluate_duplicate_sku_holders does: an import's follow-up of 1,000 SKUs that no one else
-- holds costs 2,000 index probes and 1,000 of the open issues, and evaluates nothing.
create function recheck_duplicate_skus(p_store_id uuid, p_skus text[], p_ids uuid[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  v_ids uuid[];
begin
  perform set_config('omni.duplicate_sku_rechecking', 'on', true);
  -- One follow-up of a store at a time, each reading after the one before it committed (the
  -- statements below take their snapshots after this one); the store's writers never take it.
  perform pg_advisory_xact_lock(duplicate_sku_recheck_lock_space(), hashtext(p_store_id::text));
  with holders as (
    select k.sku, x.id from unnest(p_skus) as k (sku)
    cross join lateral (select x.id from products x where x.store_id = p_store_id and lower(x.sku) = k.sku offset 0) as x
    union all
    select k.sku, v.product_id from unnest(p_skus) as k (sku)
    cross join lateral (select v.product_id from product_variants v where v.store_id = p_store_id and lower(v.sku) = k.sku offset 0) as v
  ), contested as (
    select h.sku from holders h group by h.sku having count(*) > 1
  )
  select array_agg(distinct t.id) into v_ids from (
    select h.id from holders h where h.sku in (select c.sku from contested c)
    union all
    select h.id from holders h
    cross join lateral (select 1 from validation_issues vi
      where vi.store_id = p_store_id and vi.product_id = h.id and vi.code = 'DUPLICATE_SKU' and not vi.resolved limit 1) as open
    union all
    select d.id from unnest(p_ids) as d (id)) as t;
  if v_ids is not null then
    perform evaluate_quality(p_store_id, v_ids);
  end if;
  perform set_config('omni.duplicate_sku_rechecking', '', true);
end $$;

create or replace function evaluate_quality(p_store_id uuid, p_ids uuid[], p_created boolean default false) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  -- The store's first entry of product_variants_product_idx (0110).
  v_has_variants boolean := exists (select 1 from product_variants z where z.store_id = p_store_id order by z.product_id offset 0 limit 1);
  -- The products given that have an open DUPLICATE_SKU issue after this call.
  v_duplicates uuid[];
  -- The products given whose open DUPLICATE_SKU issue this call resolved.
  v_resolved uuid[];
  v_rechecking boolean := coalesce(current_setting('omni.duplicate_sku_rechecking', true), '') = 'on';
begin
  with checked as (
    select k.id as product_id, p.sku, p.barcode, p.score, bv.sku as variant_sku, bv.barcode as variant_barcode,
      dv.sku as duplicate_variant_sku, dv.is_active as duplicate_variant_active, own.duplicate as own_sku_duplicate,
      -- A deleted product (none found): no codes, and its open issues resolve.
      case when p.id is null then '{}'::text[] else array_remove(array[
        case when coalesce(btrim(p.description), '') = '' then 'MISSING_DESCRIPTION' end,
        case when cardinality(p.photos) = 0 then 'MISSING_PHOTOS' end,
        case when (coalesce(p.barcode, '') <> '' and not gtin_valid(p.barcode)) or bv.barcode is not null then 'INVALID_BARCODE' end,
        case when p.special_price is not null and p.price is not null and p.special_price >= p.price then 'SPECIAL_PRICE_NOT_BELOW_PRICE' end,
        case when own.duplicate or dv.sku is not null then 'DUPLICATE_SKU' end,
        case when p.score < 50 then 'LOW_QUALITY_SCORE' end], null) end as codes
    from unnest(p_ids) as k (id)
    left join lateral (select x.id, x.store_id, x.sku, x.description, x.photos, x.barcode, x.price, x.special_price, x.has_variants,
        product_quality_score(x) as score
      from products x where x.store_id = p_store_id and x.id = k.id limit 1) as p on true
    -- A simple product's variants are all deactivated: no barcode of theirs is checked.
    left join lateral (select v.sku, v.barcode from product_variants v
      where v_has_variants and p.has_variants and v.store_id = p_store_id and v.product_id = p.id and v.is_active
        and coalesce(v.barcode, '') <> '' and not gtin_valid(v.barcode)
      order by v.sku limit 1) as bv on true
    -- Its own SKU held by another product, or by another product's variant (its own variants' do
    -- not count); offset 0 keeps the subquery whole, so that its lookups run once a product (0104).
    cross join lateral (select p.sku is not null and (
        exists (select 1 from products o where o.store_id = p.store_id and lower(o.sku) = lower(p.sku) and o.id <> p.id)
        or (v_has_variants and exists (select 1 from product_variants v
          where v.store_id = p.store_id and lower(v.sku) = lower(p.sku) and v.product_id <> p.id))) as duplicate
      offset 0) as own
    -- Every variant of the product, active or not, whether it has variants now or not, whose SKU
    -- another product holds (not this one: its own SKU against its own variants is no duplicate,
    -- as in `own` above; 0106) or another variant, of any product, this one's included.
    left join lateral (select v.sku, v.is_active from product_variants v
      where v_has_variants and v.store_id = p_store_id and v.product_id = p.id
        and (exists (select 1 from products o where o.store_id = p_store_id and lower(o.sku) = lower(v.sku) and o.id <> p.id)
          or exists (select 1 from product_variants w where w.store_id = p_store_id and lower(w.sku) = lower(v.sku) and w.id <> v.id))
      order by v.sku limit 1) as dv on true
  ), findings as (
    select c.product_id, c.sku, c.barcode, c.variant_sku, c.variant_barcode, c.duplicate_variant_sku, c.duplicate_variant_active,
      c.own_sku_duplicate, c.score, f.code,
      case when f.code in ('INVALID_BARCODE', 'SPECIAL_PRICE_NOT_BELOW_PRICE', 'DUPLICATE_SKU') then 'ERROR' else 'WARNING' end as severity
    from checked c cross join unnest(c.codes) as f (code)
    where cardinality(c.codes) > 0
  ), resolved as (
    -- Fixed (or deleted) products: their open issues resolve themselves. Each product's open
    -- issues are looked up by the store and the product, one product at a time (offset 0 keeps the
    -- lookup whole), and compared with the product's codes: no plan can read the store's open
    -- issues by the store alone, nor compare them with every finding (0108). Products this
    -- transaction created (p_created) have none to look up.
    update validation_issues vi set resolved = true, resolved_at = now()
    from checked c
    cross join lateral (select o.store_id, o.id from validation_issues o
      where not p_created and o.store_id = p_store_id and o.product_id = c.product_id and not o.resolved
        and o.code <> all (c.codes) offset 0) as held
    -- By held's store, not p_store_id: a store condition on vi alone would let the store's open
    -- issues be read once and hashed, where the statistics give the store few (0112).
    where vi.store_id = held.store_id and vi.id = held.id and not vi.resolved
    returning vi.product_id, vi.code
  ), raised as (
    insert into validation_issues (store_id, product_id, code, severity, message)
    select p_store_id, q.product_id, q.code, q.severity, case q.code
        when 'MISSING_DESCRIPTION' then 'The product has no description'
        when 'MISSING_PHOTOS' then 'The product has no photos'
        when 'INVALID_BARCODE' then case when coalesce(q.barcode, '') <> '' and not gtin_valid(q.barcode)
          then 'Barcode ' || q.barcode || ' is not a valid GTIN-8/12/13/14'
          else 'Barcode ' || q.variant_barcode || ' of variant ' || q.variant_sku || ' is not a valid GTIN-8/12/13/14' end
        when 'SPECIAL_PRICE_NOT_BELOW_PRICE' then 'The special price is not below the price'
        -- A simple product may now be at fault through a deactivated variant alone, beside a SKU of its own.
        when 'DUPLICATE_SKU' then case when q.own_sku_duplicate
          then 'Another product or variant of the store has the SKU ' || q.sku
          else 'Another product or variant of the store has the SKU ' || q.duplicate_variant_sku
            || case when q.duplicate_variant_active then ' of its variant' else ' of its deactivated variant' end end
        else 'Data quality score ' || q.score || ' is below 50' end
    from findings q
    on conflict (store_id, product_id, code) where not resolved do update set message = excluded.message, severity = excluded.severity
    returning product_id, code)
  select array_agg(r.product_id) filter (where r.code = 'DUPLICATE_SKU'),
    (select array_agg(s.product_id) from resolved s where s.code = 'DUPLICATE_SKU')
  into v_duplicates, v_resolved from raised r;
  -- What this call wrote of DUPLICATE_SKU was read before other writers committed: checked again
  -- after this transaction commits (the recheck itself excepted, which runs alone, after commits).
  if not v_rechecking then
    perform record_duplicate_sku_recheck('omni.recheck_products', p_store_id, (coalesce(v_duplicates, '{}') || coalesce(v_resolved, '{}'))::text[]);
  end if;

  if v_duplicates is not null then
    perform evaluate_quality(p_store_id, array_agg(distinct h.id))
    from (
      -- The SKUs of the products found duplicate: their own and their variants', lower-case.
      with skus as (
        select lower(p.sku) as sku from unnest(v_duplicates) as d (id)
        cross join lateral (select x.sku from products x where x.store_id = p_store_id and x.id = d.id and x.sku is not null offset 0) as p
        union
        select lower(v.sku) from unnest(v_duplicates) as d (id)
        cross join lateral (select v.sku from product_variants v where v_has_variants and v.store_id = p_store_id and v.product_id = d.id offset 0) as v)
      select x.id from skus k
      cross join lateral (select x.id from products x where x.store_id = p_store_id and lower(x.sku) = k.sku offset 0) as x
      union
      select v.product_id from skus k
      cross join lateral (select v.product_id from product_variants v where v_has_variants and v.store_id = p_store_id and lower(v.sku) = k.sku offset 0) as v
    ) as h
    where h.id <> all (v_duplicates)
      and not exists (select 1 from validation_issues vi
        where vi.store_id = p_store_id and vi.product_id = h.id and vi.code = 'DUPLICATE_SKU' and not vi.resolved)
    having count(*) > 0;
  end if;
  -- The follow-up of the call (a holders' call above, made first, takes what is recorded by then),
  -- added to the transaction's one job (queue_duplicate_sku_recheck).
  if not v_rechecking then
    perform queue_duplicate_sku_recheck(p_store_id);
  end if;
end $$;
