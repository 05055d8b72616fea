-- An endpoint whose receiver answers, but slowly (an attempt longer than a quarter of
-- WEBHOOK_TIMEOUT_MS): since when its last successful attempts were slow (null: the last one was
-- quick). Its deliveries, like a failing endpoint's, then run in its partner's own queue, one at a
-- time (src/webhooks/deliver.ts): a partner's receivers that took ~9 s to answer 200 held every
-- delivery slot, and another partner's webhook waited 167.7 s (security QA).
alter table webhook_endpoints add column slow_since timestamptz;
