-- Sign-in tries counted per session too (src/onboarding/sign-in-attempts.ts): the email's limit
-- now counts one partner's sessions only (another partner's failed tries locked a seller out of
-- onboarding with every partner; review), and one onboarding link may hold at most so many tries
-- (one link used up the partner's whole budget in 19 s and stopped its onboarding; review).
alter table seller_sign_in_attempts add column session_id text;
create index seller_sign_in_attempts_session_idx on seller_sign_in_attempts (session_id);

-- The outcome of a partner's own request goes to it even once the store is no longer bound to it:
-- a batch accepted before an unbind (or before the store moved to another partner) is processed
-- after it, and its events (catalog.sync.completed, product.created …, each naming its batchId)
-- were dropped, though the partner can no longer poll the batch either (review). What the partner
-- did not ask for (a PIM change, an export) still goes only while the store is bound to it (0133).
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
      and (n.store_id is null or n.payload ? 'batchId'
        or exists (select 1 from bound b where b.store_id = n.store_id and b.partner_id = n.partner_id))
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
