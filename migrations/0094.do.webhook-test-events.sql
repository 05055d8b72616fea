-- POST /partner/webhooks/endpoints/{id}/test writes a 'webhook.test' event and its one delivery
-- itself: the fan-out (0030) must not also send it to the partner's other endpoints, those
-- subscribed to every type among them. The function as 0030 made it, with that one exclusion.
create or replace function webhook_fan_out() returns trigger language plpgsql as $$
declare
  specs graphile_worker.job_spec[];
begin
  with created as (
    insert into webhook_deliveries (partner_id, endpoint_id, event_id, event_type)
    select n.partner_id, e.id, n.id, n.type
    from new_rows n
    join webhook_endpoints e on e.partner_id = n.partner_id and e.enabled
      and (cardinality(e.event_types) = 0 or n.type = any (e.event_types))
    -- A test event is delivered to the one endpoint it was sent to (src/webhooks/test-event.ts).
    where n.type <> 'webhook.test'
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
