-- The PIM bulk job list answered every job's payload, up to BODY_LIMIT_BYTES each: 56 jobs of 10 MB
-- made a page V8 could not hold as one string (500), and the default poll of 20 answered 210 MB
-- (QA). The list leaves out a payload over 256 KiB (GET /bulk-jobs/{id} answers it) and tells
-- every payload's size, which it reads from here without reading the payload.
alter table bulk_jobs add column payload_bytes integer generated always as (octet_length(payload)) stored;
