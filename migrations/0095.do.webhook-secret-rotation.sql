-- Rolling an endpoint's signing secret (POST /partner/webhooks/endpoints/{id}/rotate-secret):
-- the old secret keeps signing, beside the new one, until previous_secret_expires_at, so a
-- partner can deploy the new secret to its receivers without rejecting a delivery meanwhile
-- (Standard Webhooks: several space-separated signatures in webhook-signature; Stripe's roll).
alter table webhook_endpoints
  add column previous_secret_ciphertext text,
  add column previous_secret_expires_at timestamptz;
