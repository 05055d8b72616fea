-- New products, variants, validation issues, outbox events and webhook deliveries get
-- time-ordered ids: UUID version 7 (RFC 9562), a millisecond timestamp in the first 48 bits,
-- random bits after it. Still UUIDs, as the API's shapes say; they now sort by creation.
--
-- Why: a random (version 4) id sends each new row's index entry to a random leaf of every
-- index that leads with it: products_pkey, product_stock's, warehouse_stock's and
-- validation_issues' keys, (store_id, created_at, id) and (store_id, updated_at, id) within a
-- statement. An import of 1,000 products a statement then touches leaves all over those
-- indexes, splits them in halves and, in each backend that writes them, takes a page fault on
-- the first touch of every leaf's shared buffer (11-16 µs a 4 KB page on the 2-core VM the
-- twelfth and thirteenth sessions ran on, measured in the thirteenth). Ids in creation order append to the right edge instead. In the
-- bench (100,000 products by catalog sync, embedded PostgreSQL 18, alternating runs against the
-- code before): 10,522 and 9,034 products/s against 8,711 and 7,707, PostgreSQL's CPU 11.97
-- and 14.28 s against 15.26 and 16.95 s. The bench's COPY baseline, whose table takes the
-- products' defaults, gained more (27,304 and 28,838 rows/s against 22,026 and 19,915), so
-- the import's share of it did not rise (39% and 31% against 40% and 39%).
--
-- PostgreSQL 18 has uuidv7() (monotonic within a backend); before it, the same layout is made
-- from gen_random_uuid(): its first 6 bytes replaced by the Unix time in milliseconds and its
-- version nibble set to 7 (the variant bits stay as gen_random_uuid set them).
create function uuid_v7_portable() returns uuid language sql volatile parallel safe as $$
  select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
    placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
    from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
$$;

do $$
begin
  if current_setting('server_version_num')::int >= 180000 then
    create function time_ordered_uuid() returns uuid language sql volatile parallel safe as 'select uuidv7()';
  else
    create function time_ordered_uuid() returns uuid language sql volatile parallel safe as 'select uuid_v7_portable()';
  end if;
end $$;

alter table products alter column id set default time_ordered_uuid();
alter table product_variants alter column id set default time_ordered_uuid();
alter table validation_issues alter column id set default time_ordered_uuid();
alter table outbox_events alter column id set default time_ordered_uuid();
alter table webhook_deliveries alter column id set default time_ordered_uuid();
