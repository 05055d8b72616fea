-- A batch's row outcomes live on the batch row, as one JSON array, instead of a row
-- each in batch_rows. A batch holds at most 1,000 rows (one request), so the array is
-- small; writing it is one update per processed chunk instead of 1,000 inserts, each
-- with its own foreign key check (~30 ms a chunk in a quick bench run, on the
-- accept path too for the rows refused at once).
-- Each element is a row as GET /batches/{id} shows it:
--   {rowIndex, status (SUCCEEDED | FAILED), code, message, details, result}.
alter table batches add column outcomes jsonb not null default '[]';

update batches b set outcomes = coalesce((
  select jsonb_agg(jsonb_build_object('rowIndex', r.row_index, 'status', r.status, 'code', r.code, 'message', r.message,
    'details', r.details, 'result', r.result) order by r.row_index)
  from batch_rows r where r.store_id = b.store_id and r.batch_id = b.id), '[]');

drop table batch_rows;
