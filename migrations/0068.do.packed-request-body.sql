-- Product batches keep the request body as received in a column of its own
-- (Brotli-compressed by the API, src/batches/payload-codec.ts): it is compressed
-- while the request is still being validated, and packed_rows keeps only each
-- row's plan. Batches packed before this keep reading as they were.
alter table batches add column packed_body bytea;
alter table batches alter column packed_body set storage external;
