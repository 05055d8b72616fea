-- 0152's index of batches by partner alone: the Partner API's read of a store's batches (store and
-- partner, newest first) took it, and read the partner's every batch to find the store's few
-- (review). `omni admin batch list --partner` reads each store's through 0154's index instead.
drop index concurrently if exists batches_partner_seq_idx;
