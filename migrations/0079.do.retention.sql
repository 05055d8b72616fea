-- The hourly purge (src/batches/retention.ts) finds what expired by these, without reading
-- the whole table: idempotency keys by age, completed batches that still hold their rows.
create index idempotency_keys_created_idx on idempotency_keys (created_at);
create index batches_completed_with_rows_idx on batches (completed_at)
  where packed_rows is not null or packed_body is not null or payload is not null;
