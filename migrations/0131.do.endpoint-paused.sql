-- A partner pauses one of its webhook endpoints (PATCH …/endpoints/{id} with enabled: false) and
-- resumes it (enabled: true), as Stripe's `disabled` does: disabled_by 'paused', no reason. While
-- paused it gets no deliveries, and its scheduled retries end when they come due (deliver.ts), as
-- for an endpoint disabled otherwise. 'partner' stays what DELETE leaves (a deleted endpoint).
alter table webhook_endpoints
  drop constraint webhook_endpoints_disabled_by_check,
  add constraint webhook_endpoints_disabled_by_check check (disabled_by in ('partner', 'paused', 'operator', 'system'));
