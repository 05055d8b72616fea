-- A variant's options and a product's variant set keep acceptance order too (QA): a with-variants
-- row accepted before a PATCH /products/{id} and applied after it brought back the variants the
-- PATCH had left out (or took out those it had added), and wrote its items' options, barcode and
-- photos over the PATCH's; an update row's item also cleared the options, barcode and photos it
-- did not send. Two bits more (append only, as 0125 says): `options` (a variant's) and
-- `variant_set` (a product's: which of its variants are active, recorded by the write that made
-- its set). product_field_mask is in no index or stored expression: replaced in place.
create or replace function product_field_mask(p_columns text[]) returns bigint language sql immutable parallel safe as $$
  select coalesce(bit_or(1::bigint << (array_position(array['external_id', 'sku', 'name', 'description', 'price',
    'special_price', 'weight', 'min_order', 'category_id', 'sub_category_id', 'type_id', 'brand_id', 'barcode', 'hashtags',
    'condition', 'photos', 'official_banners', 'thumbnails', 'is_preorder', 'preorder_period', 'is_archived',
    'insurance_required', 'cod_enabled', 'length', 'width', 'height', 'options', 'variant_set']::text[], c) - 1)), 0)
  from unnest(p_columns) as c
$$;

-- Which columns of p_write (a write's own pair [seq, mask]) it writes over p_runs: its mask less
-- the columns a later-accepted write set. An upsert's DO UPDATE asks it once a column.
create function field_runs_writes(p_runs bigint[], p_write bigint[]) returns bigint language sql immutable parallel safe as $$
  select p_write[2] & ~field_runs_after(p_runs, p_write[1])
$$;
