-- The async pipeline: every accepted bulk request is a batch of rows, stored in
-- the same transaction as the job that processes it, so nothing accepted is lost.

-- Acceptance order. Taken under a per-store advisory lock held until commit, so
-- within a store a larger number always means "accepted later" (stock updates
-- apply in this order whatever worker runs them, and whenever).
create sequence batch_accept_seq;

create table batches (
  store_id uuid not null references stores (id),
  id text not null,
  kind text not null,
  partner_id uuid not null references partners (id),
  request_id uuid not null,
  status text not null default 'PENDING' check (status in ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED')),
  -- total = every row of the request; rejected rows failed at once (never processed).
  total integer not null,
  rejected integer not null default 0,
  succeeded integer not null default 0,
  failed integer not null default 0,
  pending integer not null,
  accepted_seq bigint not null,
  -- The accepted rows as one JSON text ([[rowIndex, payload], ...]): written as received,
  -- never parsed by PostgreSQL, read once by the job. Stored uncompressed (EXTERNAL)
  -- because compressing a megabyte costs more on the accept path than it saves.
  payload text,
  -- rowIndex of every accepted row: a row is PENDING until batch_rows holds its outcome.
  accepted_rows integer[] not null default '{}',
  created_at timestamptz not null default now(),
  started_at timestamptz,
  completed_at timestamptz,
  primary key (store_id, id)
);
alter table batches alter column payload set storage external;
create unique index batches_id_idx on batches (id);
create index batches_request_idx on batches (store_id, request_id);

-- Row outcomes: the rows refused at accept time, and each accepted row once processed
-- (written in the same transaction as the row's effects).
create table batch_rows (
  store_id uuid not null,
  batch_id text not null,
  row_index integer not null,
  status text not null check (status in ('PENDING', 'SUCCEEDED', 'FAILED')),
  code text,
  message text,
  details jsonb,
  result jsonb,
  primary key (store_id, batch_id, row_index),
  foreign key (store_id, batch_id) references batches (store_id, id) on delete cascade
);

-- Idempotency-Key: the first response to a key is replayed for the same body.
create table idempotency_keys (
  store_id uuid not null references stores (id),
  key text not null,
  route text not null,
  request_hash text not null,
  status_code integer not null,
  response jsonb not null,
  created_at timestamptz not null default now(),
  primary key (store_id, key)
);

-- Stock writes carry the acceptance sequence of the request that made them; an
-- older request never overwrites a newer one.
alter table warehouse_stock add column stock_seq bigint not null default 0;
alter table products add column stock_seq bigint not null default 0;
alter table product_variants add column stock_seq bigint not null default 0;
