-- Every rolled secret signs until its own grace period ends (rotate-secret's keepPreviousHours),
-- not just the last one: rolling twice within a grace period ended the older secret's at once,
-- and a receiver still holding it rejected deliveries it had been promised to verify. Kept as
-- [{ciphertext, expiresAt}], the latest few (webhooks/endpoints.ts bounds them).
alter table webhook_endpoints add column previous_secrets jsonb not null default '[]';
update webhook_endpoints
  set previous_secrets = jsonb_build_array(jsonb_build_object('ciphertext', previous_secret_ciphertext, 'expiresAt', previous_secret_expires_at))
  where previous_secret_ciphertext is not null and previous_secret_expires_at > now();
alter table webhook_endpoints drop column previous_secret_ciphertext, drop column previous_secret_expires_at;
