-- Webhook endpoints of a partner, one delivery per (event, endpoint), every attempt logged.
create table webhook_endpoints (
  partner_id uuid not null references partners (id),
  id text not null,
  url text not null,
  -- The whsec_ signing secret, sealed with the server key (AES-256-GCM).
  secret_ciphertext text not null,
  -- Empty: every event type.
  event_types text[] not null default '{}',
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  primary key (partner_id, id)
);
create unique index webhook_endpoints_id_idx on webhook_endpoints (id);

create table webhook_deliveries (
  partner_id uuid not null references partners (id),
  id uuid not null default gen_random_uuid(),
  endpoint_id text not null,
  event_id uuid not null references outbox_events (id),
  event_type text not null,
  -- PENDING: not tried yet; RETRYING: failed, another attempt scheduled;
  -- SUCCEEDED: a 2xx answer; EXHAUSTED: every attempt failed.
  status text not null default 'PENDING' check (status in ('PENDING', 'RETRYING', 'SUCCEEDED', 'EXHAUSTED')),
  attempts integer not null default 0,
  -- Attempts made before the last redelivery: the retry budget counts from here.
  attempt_base integer not null default 0,
  next_attempt_at timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  primary key (partner_id, id),
  unique (partner_id, endpoint_id, event_id),
  foreign key (partner_id, endpoint_id) references webhook_endpoints (partner_id, id) on delete cascade
);
create index webhook_deliveries_recent_idx on webhook_deliveries (partner_id, created_at desc);

create table webhook_attempts (
  partner_id uuid not null,
  delivery_id uuid not null,
  attempt integer not null,
  status_code integer,
  latency_ms integer not null,
  error text,
  attempted_at timestamptz not null default now(),
  primary key (partner_id, delivery_id, attempt),
  foreign key (partner_id, delivery_id) references webhook_deliveries (partner_id, id) on delete cascade
);

-- Fan-out in the transaction that wrote the events: every event gets one delivery per
-- subscribed endpoint and one delivery job, set-based (one INSERT and one add_jobs per
-- statement, however many events it wrote). Nothing is polled, nothing can be missed.
create function webhook_fan_out() returns trigger language plpgsql as $$
declare
  specs graphile_worker.job_spec[];
begin
  with created as (
    insert into webhook_deliveries (partner_id, endpoint_id, event_id, event_type)
    select n.partner_id, e.id, n.id, n.type
    from new_rows n
    join webhook_endpoints e on e.partner_id = n.partner_id and e.enabled
      and (cardinality(e.event_types) = 0 or n.type = any (e.event_types))
    returning partner_id, id
  )
  -- Job key 'webhook-delivery:<id>': one delivery job per delivery at a time (a redelivery
  -- replaces a scheduled retry instead of adding a second job that would POST again).
  select array_agg(row('webhook.deliver', json_build_object('partnerId', partner_id, 'deliveryId', id), null, null, 5,
                       'webhook-delivery:' || id, 0, null)::graphile_worker.job_spec)
  into specs from created;
  if specs is not null then
    perform graphile_worker.add_jobs(specs);
  end if;
  return null;
end $$;

create trigger outbox_events_fan_out after insert on outbox_events
  referencing new table as new_rows for each statement execute function webhook_fan_out();
