-- /metrics counts the webhook deliveries not yet ended (src/http/plugins/work-metrics.ts) at
-- each scrape. Ended deliveries are kept for the delivery log, so without an index each scrape
-- would read the whole log; this one holds only the deliveries pending or being retried.
create index webhook_deliveries_unfinished_idx on webhook_deliveries (status) where status in ('PENDING', 'RETRYING');
