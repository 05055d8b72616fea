-- Finished webhook deliveries, their attempts and their events are deleted WEBHOOK_LOG_RETENTION_DAYS
-- after they were made (src/webhooks/log-retention.ts): kept for ever, one event a stock row, they
-- grew ~1.2 KB an event an endpoint (retention QA). Deliveries by their event, for that delete's
-- foreign key check and the look for an event's deliveries (no index served event_id alone);
-- events by age.
create index webhook_deliveries_event_idx on webhook_deliveries (event_id);
create index outbox_events_created_idx on outbox_events (created_at);
create index webhook_deliveries_finished_idx on webhook_deliveries (created_at) where status in ('SUCCEEDED', 'EXHAUSTED');
