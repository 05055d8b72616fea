-- The outbox and the webhook deliveries keep their references by statement triggers instead
-- of per-row foreign keys, as the catalog tables do (0061, 0076, 0077). With an endpoint
-- subscribed to stock.update.requested, a 1,000-item stock request inserts 1,000 events and,
-- through the fan-out (0030), 1,000 deliveries: four RI triggers a row, queued and fired one
-- by one. The insert of 1,000 events with one endpoint subscribed took 100.8-172.6 ms (median
-- 160.8) with the foreign keys, 75.3-117.6 ms (median 99.6) with these triggers (EXPLAIN
-- ANALYZE, nine runs each, alternating). A delivery's event must now also be of the
-- delivery's partner. Partners, events and endpoints are never deleted by Omni; a delete of
-- one that is still referenced is refused, as the foreign keys (NO ACTION) refused it.

alter table outbox_events drop constraint outbox_events_partner_id_fkey;
alter table webhook_deliveries
  drop constraint webhook_deliveries_partner_id_fkey,
  drop constraint webhook_deliveries_event_id_fkey,
  drop constraint webhook_deliveries_partner_id_endpoint_id_fkey;

-- The statement's partners exist, locked FOR KEY SHARE as the foreign key locked them.
create function outbox_events_check_partner() returns trigger language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  wanted integer;
  found integer;
begin
  select count(*), count(x.ok) into wanted, found
  from (select distinct partner_id from new_rows) k
  left join lateral (select true as ok from partners p where p.id = k.partner_id for key share) x on true;
  if found < wanted then
    raise foreign_key_violation using message = 'outbox_events references a partner that does not exist';
  end if;
  return null;
end $$;
create trigger outbox_events_partner_exists after insert on outbox_events
  referencing new table as new_rows for each statement execute function outbox_events_check_partner();

-- Each delivery's event and endpoint exist and belong to the delivery's partner (which
-- the endpoint's key carries, so the partner exists as well).
create function webhook_deliveries_check_references() returns trigger language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  wanted integer;
  found integer;
begin
  select count(*), count(x.ok) into wanted, found
  from (select distinct partner_id, event_id from new_rows) k
  left join lateral (select true as ok from outbox_events e
    where e.id = k.event_id and e.partner_id = k.partner_id for key share) x on true;
  if found < wanted then
    raise foreign_key_violation using message = 'webhook_deliveries references an event that does not exist (or is not of its partner)';
  end if;
  select count(*), count(x.ok) into wanted, found
  from (select distinct partner_id, endpoint_id from new_rows) k
  left join lateral (select true as ok from webhook_endpoints w
    where w.partner_id = k.partner_id and w.id = k.endpoint_id for key share) x on true;
  if found < wanted then
    raise foreign_key_violation using message = 'webhook_deliveries references an endpoint that does not exist';
  end if;
  return null;
end $$;
create trigger webhook_deliveries_references after insert on webhook_deliveries
  referencing new table as new_rows for each statement execute function webhook_deliveries_check_references();

-- The referencing columns never change (writers only move a delivery's status).
create function webhook_references_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'the references of % cannot change', tg_table_name using errcode = 'restrict_violation';
end $$;
create trigger outbox_events_partner_immutable before update of partner_id on outbox_events
  for each row when (old.partner_id is distinct from new.partner_id) execute function webhook_references_immutable();
create trigger webhook_deliveries_references_immutable before update of partner_id, event_id, endpoint_id on webhook_deliveries
  for each row when (old.partner_id is distinct from new.partner_id or old.event_id is distinct from new.event_id
    or old.endpoint_id is distinct from new.endpoint_id)
  execute function webhook_references_immutable();

-- The delete side: a partner with events, an event or an endpoint with deliveries stays.
create function webhook_references_keep() returns trigger language plpgsql as $$
declare
  referenced boolean;
begin
  -- One branch a table: each query is planned only for the table it reads `old` of.
  if tg_table_name = 'partners' then
    referenced := exists (select 1 from outbox_events e where e.partner_id = old.id)
      or exists (select 1 from webhook_deliveries d where d.partner_id = old.id);
  elsif tg_table_name = 'outbox_events' then
    referenced := exists (select 1 from webhook_deliveries d where d.event_id = old.id);
  else
    referenced := exists (select 1 from webhook_deliveries d where d.partner_id = old.partner_id and d.endpoint_id = old.id);
  end if;
  if referenced then
    raise foreign_key_violation using message = format('the %s row is still referenced by webhook events or deliveries', tg_table_name);
  end if;
  return old;
end $$;
create trigger partners_keep_webhook_rows before delete on partners
  for each row execute function webhook_references_keep();
create trigger outbox_events_keep_deliveries before delete on outbox_events
  for each row execute function webhook_references_keep();
create trigger webhook_endpoints_keep_deliveries before delete on webhook_endpoints
  for each row execute function webhook_references_keep();
