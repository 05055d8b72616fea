-- A product batch keeps its request body as received, uncompressed, in a column that
-- PostgreSQL reads itself: the worker's insert of new products parses the body where
-- it is stored (src/catalog/product-writer.ts) instead of receiving it from the worker.
--
-- Why: with the body Brotli-compressed by the API (0068), each 1,000-product request cost
-- the API ~4 ms to compress it, and the worker a decompression, a copy into a string and
-- that string's 1.2 MB trip back to PostgreSQL: ~1.2 s of the worker's 5 s of profiled
-- time in a catalog import (docs/performance.md, tenth session). Stored external, the value is
-- written without a compression attempt (pglz, the only method the embedded build has,
-- cost ~7 ms a 1.2 MB body) and sliced without reading the whole (the array's bytes).
--
-- packed_body stays for batches accepted before this; the worker moves such a body into
-- the new column the first time it processes the batch (src/batches/process-batch.ts).
alter table batches add column body bytea;
alter table batches alter column body set storage external;

drop index batches_completed_with_rows_idx;
create index batches_completed_with_rows_idx on batches (completed_at)
  where packed_rows is not null or packed_body is not null or payload is not null or body is not null;
