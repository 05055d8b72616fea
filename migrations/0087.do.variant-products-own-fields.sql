-- A product with variants has no price, specialPrice, stock or sku of its own (seed 003: they
-- live on its variants). PATCH turned simple products into products with variants and kept
-- theirs: the sku still found the product (/sku/{sku}) and refused it to a variant (a 500), and
-- on a store without warehouses the stock still listed it as available (isAvailableStock).
-- PATCH now clears them (src/catalog/product-variant-update.ts); this clears what it left.
-- (Its own warehouse rows went at the conversion, and their delete recounted its stock.)
update products set sku = null, price = null, special_price = null
where has_variants and (sku is not null or price is not null or special_price is not null);

update product_stock s set stock = 0
from products p
where p.store_id = s.store_id and p.id = s.product_id and p.has_variants and s.stock <> 0
  and not exists (select from warehouses w where w.store_id = p.store_id);
