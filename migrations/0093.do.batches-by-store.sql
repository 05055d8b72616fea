-- GET /partner/stores/batches lists a store's batches newest first (src/batches/batch-list.ts).
-- accepted_seq is the acceptance order (0020), so this index gives a store's batches in the
-- listing's order and counts them without reading the table's rows (which carry each batch's
-- packed rows and outcomes). One entry per batch, not per row: nothing on the bulk paths.
create index batches_store_seq_idx on batches (store_id, accepted_seq desc);
