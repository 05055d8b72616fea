-- An event's `timestamp` (outbox_events.created_at, sent in its payload) is when it was written, not
-- when its transaction began: a batch's completed event said 23:55:46.959 where its own completedAt
-- (clock_timestamp(), the moment the batch completed) said 23:55:47.183, 50-440 ms later, and all
-- the events of a chunk carried the same instant. A delivery's created_at likewise: the deliveries
-- of one transaction (a chunk's product.created ones, then its batch's completed one) listed
-- newest first by it came in the order written, oldest first, as they tied.
alter table outbox_events alter column created_at set default clock_timestamp();
alter table webhook_deliveries alter column created_at set default clock_timestamp();
