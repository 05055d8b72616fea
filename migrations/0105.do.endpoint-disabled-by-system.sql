-- Omni disables an endpoint itself (disabled_by 'system'), as Standard Webhooks recommends and
-- Stripe and Svix do (src/webhooks/endpoint-health.ts):
--   'gone':    an attempt was answered 410 Gone (Standard Webhooks: the receiver wants no more
--              webhooks from this sender; the sender should disable the endpoint);
--   'failing': its attempts have failed, without a success, for WEBHOOK_DISABLE_AFTER_FAILING_HOURS
--              (Svix: 5 days), and another one failed.
-- failing_since: the first failed attempt since the last success (null: the last attempt
-- succeeded, or none was made). disabled_at: when it was last disabled, by anyone (null for the
-- endpoints disabled before this migration). A reason is given with 'system' and only with it.
alter table webhook_endpoints
  drop constraint webhook_endpoints_disabled_by_check,
  add constraint webhook_endpoints_disabled_by_check check (disabled_by in ('partner', 'operator', 'system')),
  add column disabled_reason text check (disabled_reason in ('gone', 'failing')),
  add column disabled_at timestamptz,
  add column failing_since timestamptz,
  add constraint webhook_endpoints_reason_of_system check ((disabled_reason is not null) = (disabled_by is not distinct from 'system'));
