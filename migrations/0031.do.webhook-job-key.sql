-- One delivery job per delivery at a time. Without a job key, a redelivery asked for
-- while a retry was scheduled added a second job: both ran, both counted the same
-- attempt number, and the second failed on webhook_attempts' key after POSTing again.
-- With key 'webhook-delivery:<id>' a new job replaces a scheduled one (graphile-worker
-- gives a running job's key to the new job, so a retry queued from inside a run is kept).
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
    returning partner_id, id
  )
  select array_agg(row('webhook.deliver', json_build_object('partnerId', partner_id, 'deliveryId', id), null, null, 5,
                       'webhook-delivery:' || id, 0, null)::graphile_worker.job_spec)
  into specs from created;
  if specs is not null then
    perform graphile_worker.add_jobs(specs);
  end if;
  return null;
end $$;
