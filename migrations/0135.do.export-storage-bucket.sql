-- An S3 export's bucket, as configured when it ran (src/pim/catalog-export.ts, storageOfExport):
-- its links were signed for whatever EXPORT_S3_BUCKET said at the time they were asked, so after
-- the bucket changed a finished export's links named the new one, where its files are not
-- (404 NoSuchKey). Null for a local export, and for an S3 one written before this migration
-- (its links keep the bucket configured now, as before).
alter table catalog_exports add column storage_bucket text;
