-- enabled_at: when the endpoint was last enabled (created, or enabled again by its partner or an
-- operator; src/webhooks/endpoints.ts). A delivery attempt reads it with the endpoint before it
-- is sent and changes the endpoint's health (disables it, starts or ends its failing streak) only
-- if it is unchanged when the attempt is recorded (src/webhooks/endpoint-health.ts): an attempt
-- sent before a re-enable and answered after it (a 410, a failure on the streak the re-enable
-- forgot) no longer undoes it. The endpoints already there: their created_at.
alter table webhook_endpoints add column enabled_at timestamptz;
update webhook_endpoints set enabled_at = created_at;
alter table webhook_endpoints alter column enabled_at set default now(), alter column enabled_at set not null;
