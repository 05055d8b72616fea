-- A store's events go to its partner only while the store is bound to it: a live store token
-- (not revoked, not expired), as GET /partner/stores says `bound`. After an unbind, an operator's
-- revoke-token, or the end of the period the seller authorized, a PIM change to the store still
-- told the partner its products (product.created with id, sku and externalId; QA). Events of no
-- store (webhook.test, webhook.endpoint.disabled) are the partner's own and always go.
-- The function as 0094 left it, with that condition: evaluated once per (store, partner) of the
-- statement's events, not once per event (a chunk writes up to 1,000 of one store).
create or replace function webhook_fan_out() returns trigger language plpgsql as $$
declare
  specs graphile_worker.job_spec[];
begin
  with bound as (
    select k.store_id, k.partner_id from (select distinct store_id, partner_id from new_rows where store_id is not null) k
    where exists (select 1 from stores s where s.id = k.store_id and s.partner_id = k.partner_id)
      and exists (select 1 from store_tokens t where t.store_id = k.store_id and t.revoked_at is null and (t.expires_at is null or t.expires_at > now()))
  ),
  created as (
    insert into webhook_deliveries (partner_id, endpoint_id, event_id, event_type)
    select n.partner_id, e.id, n.id, n.type
    from new_rows n
    join webhook_endpoints e on e.partner_id = n.partner_id and e.enabled
      and (cardinality(e.event_types) = 0 or n.type = any (e.event_types))
    -- A test event is delivered to the one endpoint it was sent to (src/webhooks/test-event.ts).
    where n.type <> 'webhook.test'
      and (n.store_id is null or exists (select 1 from bound b where b.store_id = n.store_id and b.partner_id = n.partner_id))
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

-- Seller sign-ins on the onboarding page, each counted from the moment it is tried until it
-- succeeds (src/onboarding/sign-in-attempts.ts): a partner could open sessions at will and try
-- passwords for any seller's email without limit, and one right guess moved the store to it (QA).
create table seller_sign_in_attempts (
  id uuid primary key default gen_random_uuid(),
  email text not null,
  partner_id uuid not null references partners (id),
  tried_at timestamptz not null default now()
);
create index seller_sign_in_attempts_email_idx on seller_sign_in_attempts (email, tried_at);
create index seller_sign_in_attempts_partner_idx on seller_sign_in_attempts (partner_id, tried_at);
