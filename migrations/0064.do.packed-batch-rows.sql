-- A batch's accepted rows are stored compressed by the API (src/batches/payload-codec.ts):
-- packed_rows replaces payload for new batches; payload is still read for batches
-- accepted before this change.
alter table batches add column packed_rows bytea;
alter table batches alter column packed_rows set storage external;
