-- Who disabled a webhook endpoint: its partner (DELETE /partner/webhooks/endpoints/{id}) or an
-- operator (`omni admin webhook disable`). An operator may enable again only what an operator
-- disabled: a partner that deleted an endpoint must not have deliveries resumed to it. Every
-- endpoint disabled before this column was deleted by its partner (the operator command came
-- with it).
alter table webhook_endpoints add column disabled_by text check (disabled_by in ('partner', 'operator'));
update webhook_endpoints set disabled_by = 'partner' where not enabled;
