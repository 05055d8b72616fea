-- When an export's files were deleted (src/pim/export-retention.ts): EXPORT_RETENTION_DAYS after
-- it ended, COMPLETED or FAILED (an attempt may have written part of them). Every export wrote a
-- whole copy of the catalog, ~860 bytes a product, kept for ever beside the embedded database
-- (retention QA). The record stays, its links then null and its download PIM_010.
alter table catalog_exports add column files_deleted_at timestamptz;
create index catalog_exports_files_kept_idx on catalog_exports (completed_at) where files_deleted_at is null;
