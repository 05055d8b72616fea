-- PIM (seed 004): an org owns tenants; a tenant is one store's catalog, so the PIM and
-- the Partner API edit the same products. Users of an org call the PIM with tokens.
create table orgs (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  created_at timestamptz not null default now()
);

create table tenants (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references orgs (id),
  store_id uuid not null unique references stores (id),
  name text not null,
  -- Where a finished export is announced: an email address (SMTP_URL) and/or a webhook
  -- (an export.completed event to the store's partner endpoints).
  notify_email text,
  notify_webhook boolean not null default true,
  created_at timestamptz not null default now()
);
create index tenants_org_idx on tenants (org_id);

create table pim_users (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references orgs (id),
  email text not null unique,
  created_at timestamptz not null default now()
);

create table pim_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references pim_users (id),
  token_hash bytea not null unique,
  expires_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);

-- Data-quality findings; at most one open issue per (product, rule).
create table validation_issues (
  store_id uuid not null references stores (id),
  id uuid not null default gen_random_uuid(),
  product_id uuid not null,
  code text not null,
  severity text not null check (severity in ('WARNING', 'ERROR')),
  message text not null,
  resolved boolean not null default false,
  resolved_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (store_id, id)
);
create unique index validation_issues_open_idx on validation_issues (store_id, product_id, code) where not resolved;
create index validation_issues_recent_idx on validation_issues (store_id, created_at desc) where not resolved;

create table bulk_jobs (
  store_id uuid not null references stores (id),
  id uuid not null default gen_random_uuid(),
  job_type text not null check (job_type in ('BULK_IMPORT', 'BULK_UPDATE', 'BULK_DELETE')),
  status text not null default 'PENDING' check (status in ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED')),
  -- The payload exactly as sent (a JSON string), echoed back.
  payload text not null,
  total_items integer,
  processed_items integer not null default 0,
  failed_items integer not null default 0,
  item_errors jsonb not null default '[]',
  created_by text not null,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  completed_at timestamptz,
  primary key (store_id, id)
);
create index bulk_jobs_recent_idx on bulk_jobs (store_id, job_type, created_at desc);

create table catalog_exports (
  store_id uuid not null references stores (id),
  id uuid not null default gen_random_uuid(),
  status text not null default 'PENDING' check (status in ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED')),
  storage text,
  ndjson_key text,
  csv_key text,
  products integer,
  error text,
  requested_by text not null,
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  primary key (store_id, id)
);
