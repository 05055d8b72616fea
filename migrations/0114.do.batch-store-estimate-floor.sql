-- The floor of 0111 under the estimate of a store's batches and PIM bulk jobs: store_id's number of
-- distinct values taken as 5% of the rows (a store of 20), whatever ANALYZE counts.
--
-- Why: both tables are keyed (store_id, id) and have a second index that starts with store_id
-- (batches_store_seq_idx, bulk_jobs_recent_idx). In a marketplace of stores with a batch or two each,
-- ANALYZE counts nearly a store per row, so a store it does not list (a big store's batches written
-- since, or any store in a generic plan) is estimated at one row or fewer. The store's other index
-- then costs what the key does, and a lookup by the store and the id read it, the id a filter:
-- test/integration/one-batch-stores.test.ts (5,000 stores of one batch and one bulk job, analysed,
-- then a store of 3,000 of each): reading one batch by its id read 3,000 batches, by its request
-- 3,000, one bulk job 3,000 (PostgreSQL 18 and 15); with the floor, 1 each. Every batch chunk looks
-- its batch up so (process-batch.ts, apply_stock_chunk), and every GET of a batch.
-- The override takes effect at the next ANALYZE: run here, so that it holds from now on.
alter table batches alter column store_id set (n_distinct = -0.05);
alter table bulk_jobs alter column store_id set (n_distinct = -0.05);
analyze batches;
analyze bulk_jobs;
