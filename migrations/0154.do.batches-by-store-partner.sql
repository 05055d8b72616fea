-- A partner reads a store's batches it sent (GET /partner/stores/batches: store and partner, newest
-- accepted first, with a count of them all): through batches_store_seq_idx the count read every
-- batch of the store from the table to check its partner (review). Built concurrently, as 0152.
create index concurrently batches_store_partner_seq_idx on batches (store_id, partner_id, accepted_seq);
