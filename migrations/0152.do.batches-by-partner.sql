-- `omni admin batch list --partner` lists the batches a partner sent (batches.partner_id), not those
-- of the stores it operates now: a store moved to another partner listed the previous partner's
-- batches under the new one, as retryable, which `batch retry` refused (QA). Built concurrently
-- (one statement alone in its file: postgrator sends it outside a transaction), so batch accepts
-- go on while it builds. Should the build fail, PostgreSQL leaves the index INVALID and this file
-- unrecorded: the next start stops on "already exists"; `drop index batches_partner_seq_idx` and
-- start again (README, Troubleshooting).
create index concurrently batches_partner_seq_idx on batches (partner_id, accepted_seq);
