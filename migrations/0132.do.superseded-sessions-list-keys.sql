-- 1. A seller's later authorization supersedes an earlier one (SUPERSEDED): authorizing a session
-- ends the store's other sessions authorized and not yet claimed, so that the partner cannot
-- claim the older consent after the newer one and get back the longer period the seller replaced
-- (review: a claim replaces the store's token, and the last claimed won, not the last authorized).
alter table onboard_sessions drop constraint onboard_sessions_status_check;
alter table onboard_sessions add constraint onboard_sessions_status_check
  check (status in ('OPEN', 'SIGNED_IN', 'AUTHORIZED', 'CANCELLED', 'CLAIMED', 'UNBOUND', 'SUPERSEDED'));

-- 2. The newest-first lists paged by cursor (src/db/list-cursor.ts: after the page's last item's
-- (time, id)) read their next page from the index, starting at the cursor: ordered by the time
-- alone, the index made a page inside a group of one time (an evaluate_quality call's issues, all
-- of one now()) read and sort the whole group (review: 49,900 entries for a page of 101 in a group
-- of 50,000). The time and then the id, both descending, as the lists order them.
drop index validation_issues_recent_idx;
create index validation_issues_recent_idx on validation_issues (store_id, created_at desc, id desc) where not resolved;
drop index bulk_jobs_recent_idx;
create index bulk_jobs_recent_idx on bulk_jobs (store_id, job_type, created_at desc, id desc);
drop index webhook_deliveries_recent_idx;
create index webhook_deliveries_recent_idx on webhook_deliveries (partner_id, created_at desc, id desc);
