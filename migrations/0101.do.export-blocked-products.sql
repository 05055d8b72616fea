-- Seed 004: an ERROR validation issue "blocks publishing or export". An export leaves out the
-- products with an unresolved one and records how many here, so that none vanishes silently.
-- Null for the exports made before (they left nothing out, and counted nothing).
alter table catalog_exports add column blocked_products integer;

-- The export's probe of each product ("has an unresolved ERROR issue?", catalog-export.ts) and
-- its count of the ones it leaves out. validation_issues_open_idx (store_id, product_id, code)
-- holds every open issue, most of them WARNINGs (3 or so per product: no photos, a low score),
-- and the severity is read from the table: the planner scanned the whole table instead (every
-- store's issues). This one holds only the open ERRORs: small, and read without the table.
create index validation_issues_open_errors_idx on validation_issues (store_id, product_id) where not resolved and severity = 'ERROR';
