-- A product's fields keep acceptance order, as its stock does (stock_seq): a products bulk, with-
-- variants or price row accepted before another but applied after it (batches run at once on several
-- job slots; a failed job runs again later) overwrote the later one's values (QA: 20 price requests
-- sent one after another ended at the 19th's prices on every product, 3 runs in 4).
--
-- field_runs: which write last set each column, as pairs [seq, mask, seq, mask, ...]: a mask's bits
-- are the columns (product_field_mask) the write of that acceptance sequence (a batch's × 10,000 +
-- its row, as stock_seq; a write applied now takes a new one) set last. A row applied late leaves
-- the columns a later-accepted write set (field_runs_after) and writes the others. A full row makes
-- one pair (16 bytes): a later write's columns are taken off the pairs before it, empty ones dropped.
-- Null: no write recorded (a product created and never updated since).
alter table products add column field_runs bigint[];
alter table product_variants add column field_runs bigint[];

-- The bits of the given products columns (unknown names: none). Append only: a bit keeps its column.
create function product_field_mask(p_columns text[]) returns bigint language sql immutable parallel safe as $$
  select coalesce(bit_or(1::bigint << (array_position(array['external_id', 'sku', 'name', 'description', 'price',
    'special_price', 'weight', 'min_order', 'category_id', 'sub_category_id', 'type_id', 'brand_id', 'barcode', 'hashtags',
    'condition', 'photos', 'official_banners', 'thumbnails', 'is_preorder', 'preorder_period', 'is_archived',
    'insurance_required', 'cod_enabled', 'length', 'width', 'height']::text[], c) - 1)), 0)
  from unnest(p_columns) as c
$$;

-- The columns a write accepted after p_seq set last: a write of p_seq leaves them.
create function field_runs_after(p_runs bigint[], p_seq bigint) returns bigint language sql immutable parallel safe as $$
  select coalesce(bit_or(p_runs[i + 1]), 0) from generate_subscripts(p_runs, 1) as i where i % 2 = 1 and p_runs[i] > p_seq
$$;

-- The runs once a write of p_seq has set the columns of p_mask (none of them set later: the caller
-- left those out): its pair added, its columns taken off the others.
create function field_runs_written(p_runs bigint[], p_seq bigint, p_mask bigint) returns bigint[] language sql immutable parallel safe as $$
  select case when p_mask = 0 then p_runs else coalesce((
    select array_agg(v order by i, n) from generate_subscripts(p_runs, 1) as i
      cross join lateral (values (1, p_runs[i]), (2, p_runs[i + 1] & ~p_mask)) as e (n, v)
    where i % 2 = 1 and p_runs[i + 1] & ~p_mask <> 0), '{}') || array[p_seq, p_mask] end
$$;
