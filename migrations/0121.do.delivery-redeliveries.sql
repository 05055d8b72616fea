-- How many times a partner (or an operator) asked for a delivery again. An attempt in flight
-- when a redelivery is asked records itself (it happened) but leaves the delivery's status, its
-- next attempt and its job to the redelivery: it read the delivery before, and its failure's
-- retry replaced the redelivery's job (run an hour later) or, at the last attempt, ended the
-- delivery EXHAUSTED with the redelivery's job gone (src/webhooks/deliver.ts).
alter table webhook_deliveries add column redeliveries integer not null default 0;
