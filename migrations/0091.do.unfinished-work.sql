-- The hourly sweep of abandoned work (abandoned:fail, src/jobs/abandoned-work.ts) looks for the
-- batches and PIM bulk jobs not yet ended. Both tables keep every ended row for good (retention
-- drops a batch's rows, not the batch), so without an index the sweep read the whole history
-- each hour, for the handful of rows still running. These partial indexes hold only the
-- unfinished rows (a row's ended version is not indexed; vacuum drops its old entry), so they
-- stay as small as the work in flight. Their predicates are written as the sweep's queries
-- write theirs, which is how the planner matches a partial index to a query. Writes: an entry
-- when a row is created; the updates of a chunk's counts and outcomes change no column they
-- name, and can stay HOT.
create index batches_unfinished_idx on batches (created_at) where completed_at is null;
create index bulk_jobs_unfinished_idx on bulk_jobs (created_at) where status in ('PENDING', 'PROCESSING');
