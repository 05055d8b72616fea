-- A PATCH waited without limit on a row lock: a worker stopped mid-chunk (SIGSTOP, a hung
-- machine) held the product's rows, and the partner's request hung with it until its client gave
-- up (QA, forty-third session). apply_product_patch, the one statement of the common PATCH, now
-- waits at most 5 s for a lock (a chunk holds its rows for tens of milliseconds, a slow one for a
-- second); the API then answers PRD_014 (409, retry). The transactions of a PATCH with a variant
-- set take the same limit with SET LOCAL: src/catalog/patch-lock-wait.ts, whose PATCH_LOCK_TIMEOUT
-- a test compares with this one.
alter function apply_product_patch(uuid, uuid, integer, jsonb, integer, jsonb, jsonb, jsonb, boolean, jsonb)
  set lock_timeout = '5s';
