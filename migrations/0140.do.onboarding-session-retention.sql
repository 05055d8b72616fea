-- Onboarding sessions were never deleted, and a partner opens them at will: two of the seller's
-- steps scanned them all (retention QA: 2,000,000 expired sessions, 397 MB; the consent's
-- supersede by store_id 597 ms, an unbind 332 ms). The authorized sessions by store, for those two;
-- the sessions no claim holds by expiry, for the hourly retention task that deletes them a week
-- after they expired (src/onboarding/session-retention.ts).
create index onboard_sessions_authorized_store_idx on onboard_sessions (store_id) where status = 'AUTHORIZED';
create index onboard_sessions_unclaimed_expiry_idx on onboard_sessions (expires_at) where status <> 'CLAIMED';
