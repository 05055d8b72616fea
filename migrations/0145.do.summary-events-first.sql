-- A delivery of an event written once per row of a request (stock.update.requested, product.created,
-- product.updated, product.deleted) runs after those of the other types (a batch's or an export's end,
-- an endpoint disabled): graphile-worker runs a lower priority first, and the deliveries were taken in
-- the order written, so a catalog.sync.completed waited behind ~33,000 per-row deliveries, an
-- export.completed 47 s behind ~21,000 product.created ones (QA). The jobs Omni's code queues (retries,
-- redeliveries, test events: src/webhooks/deliver.ts) take the same priority (deliveryPriority).

-- 0134's, with each delivery's priority.
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
  -- Priority: a per-row event's delivery (src/webhooks/event-types.ts, deliveryPriority) after the others'.
  select array_agg(row('webhook.deliver', json_build_object('partnerId', partner_id, 'deliveryId', id), null, null, 5,
                       'webhook-delivery:' || id,
                       case when event_type in ('stock.update.requested', 'product.created', 'product.updated', 'product.deleted') then 0 else -1 end,
                       null)::graphile_worker.job_spec)
  into specs from created;
  if specs is not null then
    perform graphile_worker.add_jobs(specs);
  end if;
  return null;
end $$;
