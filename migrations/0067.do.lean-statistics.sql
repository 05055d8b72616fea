-- ANALYZE skips the columns no query filters, joins or sorts on.
--
-- Why: autovacuum analyses products after every 10% of its rows changed. A sample of
-- 30,000 products took 0.8-0.9 s of CPU, most of it on the wide columns (description,
-- and the text arrays, whose per-element statistics are the costliest to build): on 2
-- cores, that second of CPU arrived in the middle of a steady 500 PATCH/s and showed
-- as its slowest requests. audit_events (0.2 s) is only ever read by store and id.
-- Statistics stay on every column a WHERE, JOIN or ORDER BY uses (src/catalog/product-read.ts,
-- the quality rules, the key lookups).
alter table products
  alter column description set statistics 0,
  alter column photos set statistics 0,
  alter column official_banners set statistics 0,
  alter column thumbnails set statistics 0,
  alter column hashtags set statistics 0,
  alter column length set statistics 0,
  alter column width set statistics 0,
  alter column height set statistics 0,
  alter column weight set statistics 0;

alter table audit_events
  alter column changes set statistics 0,
  alter column actor set statistics 0,
  alter column action set statistics 0,
  alter column resource_type set statistics 0,
  alter column resource_id set statistics 0,
  alter column request_id set statistics 0,
  alter column ip_address set statistics 0;
