-- PATCH /products/{id} without a variant set that changes the product's externalId or SKU took
-- the store's key lock (0090's trigger, shared) after its UPDATE had locked the product's row; a
-- writer of variants (a PATCH with a variant set, a with-variants chunk) takes it exclusive
-- first and then locks that row, so the two deadlocked (40P01: the PATCH, ended after
-- deadlock_timeout, ran again). apply_product_patch now takes it first, as the bulk writers do
-- (product-writer.ts): the key lock before any product row, on every path. p_set holds only the
-- columns the PATCH changes (product-patch-plan.ts), so a key in it is a key that changes; a
-- PATCH that changes none does not wait for the store's writers of variants.
--
-- The function of 0086 keeps its body under another name, and the API's call, its name: a
-- wrapper that takes the lock, then calls it.
alter function apply_product_patch(uuid, uuid, integer, jsonb, integer, jsonb, jsonb, jsonb, boolean, jsonb)
  rename to apply_product_patch_writes;

create function apply_product_patch(
  p_store_id uuid, p_id uuid, p_version integer, p_set jsonb, p_stock integer, p_warehouse_rows jsonb,
  p_audit jsonb, p_event jsonb, p_evaluate boolean, p_stock_read jsonb
) returns integer language plpgsql as $$
begin
  if p_set->>'external_id' is not null or p_set->>'sku' is not null then
    perform pg_advisory_xact_lock_shared(store_keys_lock_space(), hashtext(p_store_id::text));
  end if;
  return apply_product_patch_writes(p_store_id, p_id, p_version, p_set, p_stock, p_warehouse_rows,
    p_audit, p_event, p_evaluate, p_stock_read);
end $$;
