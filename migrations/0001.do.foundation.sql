-- Foundation: partners, stores and their tokens, warehouses, taxonomy, products,
-- variants, per-warehouse stock with trigger-maintained aggregates, audit log, outbox.
-- Every store-scoped table carries store_id and leads its keys with it, so the
-- catalog can later be distributed by store (Citus) without reshaping.

create table partners (
  id uuid primary key default gen_random_uuid(),
  client_id text not null unique,
  name text not null,
  -- AES-256-GCM ciphertext of the HMAC secret (key from OMNI_ENCRYPTION_KEY): the
  -- server must recompute signatures, so the secret cannot be hashed.
  secret_ciphertext text not null,
  webhook_url text,
  status text not null default 'ACTIVE' check (status in ('ACTIVE', 'DISABLED')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table stores (
  id uuid primary key default gen_random_uuid(),
  partner_id uuid not null references partners (id),
  client_id text not null unique,
  name text not null,
  status text not null default 'ACTIVE' check (status in ('ACTIVE', 'BLOCKED')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index stores_partner_idx on stores (partner_id);

-- Store tokens are bearer credentials: only their SHA-256 is kept (they are
-- long random strings, so a fast hash is enough and keeps auth cheap).
create table store_tokens (
  store_id uuid not null references stores (id),
  id uuid not null default gen_random_uuid(),
  token_hash bytea not null unique,
  token_hint text not null,
  expires_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (store_id, id)
);

create table warehouses (
  store_id uuid not null references stores (id),
  id uuid not null default gen_random_uuid(),
  client_id text not null,
  name text not null,
  created_at timestamptz not null default now(),
  primary key (store_id, id),
  unique (store_id, client_id)
);

-- Reference taxonomy, shared by every store: category -> sub-category -> type.
create table categories (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  created_at timestamptz not null default now()
);
create table sub_categories (
  id uuid primary key default gen_random_uuid(),
  category_id uuid not null references categories (id),
  name text not null,
  created_at timestamptz not null default now(),
  unique (category_id, name)
);
create table product_types (
  id uuid primary key default gen_random_uuid(),
  sub_category_id uuid not null references sub_categories (id),
  name text not null,
  created_at timestamptz not null default now(),
  unique (sub_category_id, name)
);
create table brands (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  logo_url text,
  created_at timestamptz not null default now()
);

create table products (
  store_id uuid not null references stores (id),
  id uuid not null default gen_random_uuid(),
  external_id text,
  sku text,
  name text not null,
  description text,
  price numeric(15, 2),
  special_price numeric(15, 2),
  -- Stock lives at one level: for a store without warehouses it is written here;
  -- otherwise it is the sum of warehouse_stock rows, kept by triggers below.
  stock integer not null default 0 check (stock >= 0),
  weight integer,
  length numeric(10, 2),
  width numeric(10, 2),
  height numeric(10, 2),
  min_order integer not null default 1 check (min_order >= 1),
  category_id uuid,
  sub_category_id uuid,
  type_id uuid,
  brand_id uuid,
  barcode text,
  hashtags text[] not null default '{}',
  condition text not null default 'NEW' check (condition in ('NEW', 'USED')),
  photos text[] not null default '{}',
  official_banners text[] not null default '{}',
  thumbnails text[] not null default '{}',
  is_preorder boolean not null default false,
  preorder_period integer not null default 0,
  is_archived boolean not null default false,
  insurance_required boolean not null default false,
  cod_enabled boolean not null default false,
  is_verified boolean not null default false,
  has_variants boolean not null default false,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (store_id, id),
  unique (store_id, external_id),
  unique (store_id, sku)
);
create index products_store_updated_idx on products (store_id, updated_at, id);

create table product_variants (
  store_id uuid not null,
  id uuid not null default gen_random_uuid(),
  product_id uuid not null,
  external_id text,
  sku text not null,
  -- Option values by option name, e.g. {"Colour": "Red", "Size": "XL"}.
  options jsonb not null default '{}',
  price numeric(15, 2),
  special_price numeric(15, 2),
  stock integer not null default 0 check (stock >= 0),
  barcode text,
  photos text[] not null default '{}',
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (store_id, id),
  foreign key (store_id, product_id) references products (store_id, id) on delete cascade,
  unique (store_id, sku),
  unique (store_id, external_id)
);
create index product_variants_product_idx on product_variants (store_id, product_id);

-- One row per (product or variant, warehouse). variant_id is null for a simple product.
create table warehouse_stock (
  store_id uuid not null,
  product_id uuid not null,
  variant_id uuid,
  warehouse_id uuid not null,
  stock integer not null check (stock >= 0),
  updated_at timestamptz not null default now(),
  foreign key (store_id, product_id) references products (store_id, id) on delete cascade,
  foreign key (store_id, variant_id) references product_variants (store_id, id) on delete cascade,
  foreign key (store_id, warehouse_id) references warehouses (store_id, id) on delete cascade
);
create unique index warehouse_stock_key
  on warehouse_stock (store_id, product_id, variant_id, warehouse_id) nulls not distinct;

-- Recomputes the aggregate stock of the given products (and of their variants)
-- from warehouse_stock in two set-based statements. Inactive variants do not
-- count towards their product's stock.
create function refresh_stock_aggregates(p_store_ids uuid[], p_product_ids uuid[])
returns void language sql as $$
  with keys as (
    select distinct s as store_id, p as product_id from unnest(p_store_ids, p_product_ids) as k (s, p)
  ), totals as (
    select v.store_id, v.id, coalesce(sum(ws.stock), 0)::int as total
    from keys k
    join product_variants v on v.store_id = k.store_id and v.product_id = k.product_id
    left join warehouse_stock ws on ws.store_id = v.store_id and ws.variant_id = v.id
    group by v.store_id, v.id
  )
  update product_variants v set stock = t.total, updated_at = now()
  from totals t
  where v.store_id = t.store_id and v.id = t.id and v.stock <> t.total;

  with keys as (
    select distinct s as store_id, p as product_id from unnest(p_store_ids, p_product_ids) as k (s, p)
  ), totals as (
    select k.store_id, k.product_id,
      coalesce(sum(ws.stock) filter (where ws.variant_id is null or v.is_active), 0)::int as total,
      count(ws.*) as rows
    from keys k
    left join warehouse_stock ws on ws.store_id = k.store_id and ws.product_id = k.product_id
    left join product_variants v on v.store_id = ws.store_id and v.id = ws.variant_id
    group by k.store_id, k.product_id
  )
  update products p set stock = t.total, updated_at = now()
  from totals t
  where p.store_id = t.store_id and p.id = t.product_id and p.stock <> t.total
    -- a product with no warehouse rows keeps its own stock (store without warehouses)
    and (t.rows > 0 or exists (select 1 from warehouses w where w.store_id = p.store_id));
$$;

-- Statement-level triggers with transition tables: a bulk write of 10,000 stock
-- rows recomputes the aggregates once, set-based, not 10,000 times.
create function warehouse_stock_sync() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    perform refresh_stock_aggregates(array(select store_id from old_rows), array(select product_id from old_rows));
  elsif tg_op = 'UPDATE' then
    perform refresh_stock_aggregates(
      array(select store_id from new_rows union all select store_id from old_rows),
      array(select product_id from new_rows union all select product_id from old_rows));
  else
    perform refresh_stock_aggregates(array(select store_id from new_rows), array(select product_id from new_rows));
  end if;
  return null;
end $$;

create trigger warehouse_stock_after_insert after insert on warehouse_stock
  referencing new table as new_rows for each statement execute function warehouse_stock_sync();
create trigger warehouse_stock_after_update after update on warehouse_stock
  referencing old table as old_rows new table as new_rows for each statement execute function warehouse_stock_sync();
create trigger warehouse_stock_after_delete after delete on warehouse_stock
  referencing old table as old_rows for each statement execute function warehouse_stock_sync();

-- Activating or deactivating a variant changes what its product's stock counts.
create function product_variant_activity_sync() returns trigger language plpgsql as $$
begin
  perform refresh_stock_aggregates(array[new.store_id], array[new.product_id]);
  return null;
end $$;
create trigger product_variants_activity after update of is_active on product_variants
  for each row when (old.is_active is distinct from new.is_active)
  execute function product_variant_activity_sync();

-- The audit log is append-only: the database itself refuses to change or remove events.
create table audit_events (
  id bigint generated always as identity primary key,
  store_id uuid,
  actor_type text not null check (actor_type in ('partner', 'user', 'system')),
  actor text not null,
  action text not null,
  resource_type text not null,
  resource_id text,
  changes jsonb not null default '{}',
  request_id text,
  ip_address text,
  created_at timestamptz not null default now()
);
create index audit_events_store_idx on audit_events (store_id, id desc);

create function audit_events_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'audit_events is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
end $$;
create trigger audit_events_no_update before update or delete on audit_events
  for each statement execute function audit_events_immutable();
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_events_immutable();

-- Domain events, written in the same transaction as the change they describe;
-- webhook delivery reads from here, so an event can never be lost or invented.
create table outbox_events (
  id uuid primary key default gen_random_uuid(),
  partner_id uuid not null references partners (id),
  store_id uuid,
  type text not null,
  payload jsonb not null,
  created_at timestamptz not null default now()
);
create index outbox_events_partner_idx on outbox_events (partner_id, created_at);
