-- Whose key it is: a store's keys were its own whatever partner operated it, so once a seller moved
-- the store to another partner, that partner's request under a key the previous one had used got
-- the previous one's response, nothing of its own written (QA). The claim deletes the previous
-- partner's keys, but one whose request was still in its transaction then committed its key after
-- the delete (review): a key now names its partner, and another partner's is not replayed but taken
-- over. Null: a PIM key (its tenant's, 'pim ' + key), or one stored before this migration.
alter table idempotency_keys add column partner_id uuid;
