-- Review of 0144 and 0145.
--
-- A summary event's delivery (a batch's or an export's end, an endpoint disabled) is queued 5 minutes
-- early instead of at a higher priority (0145): graphile-worker takes a lower priority first however
-- long the others wait, and a stream of batch ends (a batch whose rows are all refused writes no
-- per-row event) kept every other partner's per-row deliveries waiting as long as it lasted (none sent
-- in 8 s of the review's test). Early by 5 minutes, a summary passes the per-row deliveries written in
-- that time, and a per-row delivery waits at most 5 minutes longer than in order of writing.
--
-- last_slow_at: the endpoint's last slow attempt. A partner's deliveries go one at a time while one of
-- its endpoints was slow in the last 10 minutes (src/webhooks/deliver.ts): slow_since alone kept the
-- partner so once its slow endpoint got nothing more to send (subscribed to rare events, or its URL
-- fixed), for ever.
alter table webhook_endpoints add column last_slow_at timestamptz;
update webhook_endpoints set last_slow_at = slow_since where slow_since is not null;

-- 0134's (0145's without the priority), each summary delivery due 5 minutes early.
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
    returning partner_id, id, event_type
  )
  -- Job key 'webhook-delivery:<id>': one delivery job per delivery at a time (a redelivery
  -- replaces a scheduled retry instead of adding a second job that would POST again).
  -- Due now, or a summary event's 5 minutes early (src/webhooks/event-types.ts, deliveryDueAt).
  select array_agg(row('webhook.deliver', json_build_object('partnerId', partner_id, 'deliveryId', id), null,
                       case when event_type in ('stock.update.requested', 'product.created', 'product.updated', 'product.deleted')
                            then null else now() - interval '5 minutes' end,
                       5, 'webhook-delivery:' || id, 0, null)::graphile_worker.job_spec)
  into specs from created;
  if specs is not null then
    perform graphile_worker.add_jobs(specs);
  end if;
  return null;
end $$;
