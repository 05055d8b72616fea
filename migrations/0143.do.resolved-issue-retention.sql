-- Resolved validation issues are deleted 30 days after they were resolved (src/pim/issue-retention.ts):
-- nothing reads them (the PIM lists unresolved ones, seed 004: "resolved = false … disappears from
-- this list"), and a catalog synced again and again left ~3 resolved rows a product each cycle,
-- and its deleted products' issues, for ever (retention QA). Found by their resolution's time.
create index validation_issues_resolved_idx on validation_issues (resolved_at) where resolved;
