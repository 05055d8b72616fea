-- A variant's place in the set its product was last given (seed 003's variants.items, from 0): a
-- product's variants read back in that order, where they came sorted by creation time and SKU, so a
-- size chart sent XS, S, M, L, XL read back L, M, S, XL, XS and a set sent in a new order kept the old
-- one (QA). Null for a deactivated variant (read after the set) and for the variants written before
-- this migration (read after any placed one, by creation time and SKU, as before).
alter table product_variants add column position integer;
