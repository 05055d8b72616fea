-- Nothing: amended before any release. Its first form added bulk_jobs.payload_bytes as a stored
-- generated column, which rewrote the whole table under an ACCESS EXCLUSIVE lock on upgrade (a
-- review measured 25 s for 285 MB of payloads, every PIM bulk request waiting behind it); the list
-- computes octet_length(payload) instead, which PostgreSQL answers from the TOAST pointer without
-- reading the payload (0.5 ms for those 150 rows). Kept, empty, so that the numbering stays whole.
select 1;
