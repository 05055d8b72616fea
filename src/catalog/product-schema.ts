import { visibleText } from '../http/validation/validation-errors.js';
import { Type, type Static, type TOptional, type TSchema } from '@sinclair/typebox';

/**
 * The product payload of the Partner API (seeds 000, 001, 003), shared by every
 * endpoint that writes products: catalog sync, bulk, with-variants, PATCH.
 * Unknown properties are rejected everywhere (VAL_001 "property X should not exist").
 */
const strict = { additionalProperties: false } as const;
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const Uuid = Type.String({ format: 'uuid' });

/**
 * The largest values the products columns hold (migration 0001): an `integer` column, and
 * numeric(15, 2) and numeric(10, 2). A value over them used to be accepted and then fail
 * its batch's chunk in the worker on every attempt; it is refused at once now (VAL_001).
 */
export const MAX_INTEGER = 2_147_483_647;
export const MAX_PRICE = 9_999_999_999_999.99;
const MAX_DIMENSION = 99_999_999.99;
const Stock = (options: { description?: string } = {}) => Type.Integer({ minimum: 0, maximum: MAX_INTEGER, ...options });
export const Url = Type.String({ format: 'http-url', maxLength: 2048 });

export const Dimensions = Type.Object({
  length: Type.Number({ minimum: 0, maximum: MAX_DIMENSION }),
  width: Type.Number({ minimum: 0, maximum: MAX_DIMENSION }),
  height: Type.Number({ minimum: 0, maximum: MAX_DIMENSION }),
}, { ...strict, description: 'centimetres' });

/**
 * A warehouse allocation: a clientId of one of the store's warehouses and its stock there.
 * The stock is required, but by the seeds' warehouse rule ("Warehouse items require valid
 * clientId and stock"), answered as the other warehouse rules are (WHS_006, placeStock), not
 * by the schema (VAL_001), which left WHS_006 declared on these endpoints and never answered.
 */
export const WarehouseStockItem = Type.Object({
  clientId: Type.String({ minLength: 1, maxLength: 255 }),
  stock: Type.Optional(Stock({ description: 'required (else WHS_006)' })),
}, strict);

export const Condition = Type.Union([Type.Literal('NEW'), Type.Literal('USED')]);

/** Every field a partner may set on a product; all optional here (PATCH semantics). */
export const productFieldSchemas = {
  externalId: Type.String({ maxLength: 255, description: "The partner's own id for the product; unique per store" }),
  // A name and a SKU hold a character other than white space, as PIM wants of a title and a SKU
  // ("   " was stored: a product that shows no name, a SKU no one can read; QA).
  name: Type.String({ minLength: 1, maxLength: 255, ...visibleText }),
  description: Type.String({ maxLength: 10000 }),
  sku: Type.String({ minLength: 1, maxLength: 100, ...visibleText }),
  // Stored as numeric(15, 2): said in the schema, as a client computing prices in floating point
  // (0.1 + 0.2) met it only as a PRD_008 comparing 0.3 with 0.3 (raw-HTTP partner QA).
  price: Type.Number({ minimum: 0, maximum: MAX_PRICE, description: 'stored to the cent: more decimal places are rounded half away from zero (19.999 is 20.00, 0.30000000000000004 is 0.30); compared so too' }),
  specialPrice: Nullable(Type.Number({ minimum: 0, maximum: MAX_PRICE, description: 'below price (else PRD_008), stored to the cent as price is' })),
  stock: Stock(),
  // Whole grams, as the column stores them and every read answers (an integer): 250.5 was rounded
  // to 251 and 0.4 to 0 without a word, where minOrder, stock and preorderPeriod refuse a fraction (QA).
  weight: Type.Integer({ minimum: 0, maximum: MAX_INTEGER, description: 'grams' }),
  dimensions: Dimensions,
  minOrder: Type.Integer({ minimum: 1, maximum: MAX_INTEGER }),
  categoryId: Uuid,
  subCategoryId: Uuid,
  typeId: Uuid,
  brandId: Uuid,
  barcode: Type.String({ maxLength: 14, description: 'GTIN-8/12/13/14' }),
  // A hashtag, an option's name and value show something too (" " and "\u200b" were stored: Unicode QA).
  hashtags: Type.Array(Type.String({ minLength: 1, maxLength: 50, ...visibleText }), { maxItems: 30 }),
  condition: Condition,
  photos: Type.Array(Url, { maxItems: 20 }),
  officialBanners: Type.Array(Url, { maxItems: 20 }),
  thumbnails: Type.Array(Url, { maxItems: 20 }),
  isPreorder: Type.Boolean(),
  preorderPeriod: Type.Integer({ minimum: 0, maximum: 365 }),
  isArchived: Type.Boolean(),
  insuranceRequired: Type.Boolean(),
  codEnabled: Type.Boolean(),
  // No minItems: an empty list is the seeds' warehouse rule "warehouses cannot be empty", answered
  // as the other warehouse rules are (WHS_007, placeStock), not as a schema error (VAL_001).
  warehouses: Type.Array(WarehouseStockItem, { maxItems: 100, description: 'at least one item (else WHS_007)' }),
};

type Fields = typeof productFieldSchemas;
const optional = <K extends keyof Fields>(keys: K[]) =>
  Object.fromEntries(keys.map((k) => [k, Type.Optional(productFieldSchemas[k])])) as unknown as { [P in K]: TOptional<Fields[P]> };

const descriptive = [
  'description', 'specialPrice', 'stock', 'weight', 'dimensions', 'minOrder', 'categoryId', 'subCategoryId', 'typeId',
  'brandId', 'barcode', 'hashtags', 'condition', 'photos', 'officialBanners', 'thumbnails', 'isPreorder', 'preorderPeriod',
  'isArchived', 'insuranceRequired', 'codEnabled', 'warehouses',
] as const satisfies (keyof Fields)[];

/** A simple product to create (catalog sync) or create/update (bulk): identity, name and price required. */
export const SimpleProductInput = Type.Object({
  externalId: productFieldSchemas.externalId,
  name: productFieldSchemas.name,
  sku: productFieldSchemas.sku,
  price: productFieldSchemas.price,
  ...optional([...descriptive]),
}, strict);
export type SimpleProductInput = Static<typeof SimpleProductInput>;

/**
 * One variant of a product with variants. Matched to an existing variant by id,
 * then externalId, then sku. options holds the option values by option name,
 * e.g. {"Colour": "Red", "Size": "XL"}. Stock at one level: stock or warehouses.
 */
export const VariantItemInput = Type.Object({
  id: Type.Optional(Uuid),
  externalId: Type.Optional(productFieldSchemas.externalId),
  sku: productFieldSchemas.sku,
  // The names' bounds are a propertyNames rule: TypeBox drops a Record's key schema (its
  // keys become the pattern ^(.*)$), and an empty or 10,000-character option name passed.
  options: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 100, ...visibleText }),
    { maxProperties: 5, propertyNames: { minLength: 1, maxLength: 50, ...visibleText } })),
  price: Type.Optional(productFieldSchemas.price),
  specialPrice: Type.Optional(productFieldSchemas.specialPrice),
  stock: Type.Optional(productFieldSchemas.stock),
  warehouses: Type.Optional(productFieldSchemas.warehouses),
  barcode: Type.Optional(productFieldSchemas.barcode),
  photos: Type.Optional(productFieldSchemas.photos),
}, strict);
export type VariantItemInput = Static<typeof VariantItemInput>;

export const VariantsInput = Type.Object({
  items: Type.Array(VariantItemInput, { maxItems: 100 }),
}, strict);

/** PATCH body: every field optional; variants replaces the variant set when given. */
export const ProductPatchInput = Type.Object({
  ...optional(['externalId', 'name', 'sku', 'price', ...descriptive]),
  variants: Type.Optional(VariantsInput),
}, strict);
export type ProductPatchInput = Static<typeof ProductPatchInput>;

/** camelCase payload field -> products column, for the scalar fields (dimensions and warehouses are special). */
export const PRODUCT_COLUMNS = {
  externalId: 'external_id', name: 'name', description: 'description', sku: 'sku', price: 'price',
  specialPrice: 'special_price', stock: 'stock', weight: 'weight', minOrder: 'min_order', categoryId: 'category_id',
  subCategoryId: 'sub_category_id', typeId: 'type_id', brandId: 'brand_id', barcode: 'barcode', hashtags: 'hashtags',
  condition: 'condition', photos: 'photos', officialBanners: 'official_banners', thumbnails: 'thumbnails',
  isPreorder: 'is_preorder', preorderPeriod: 'preorder_period', isArchived: 'is_archived',
  insuranceRequired: 'insurance_required', codEnabled: 'cod_enabled',
} as const;

/**
 * A with-variants row's item: a variant named by its sku, without the `id` a PATCH's variant set
 * may match by (a row's items are matched by sku; an id was taken and ignored, QA).
 */
const { id: _variantId, ...variantRowItemProperties } = VariantItemInput.properties;
export const VariantRowItemInput = Type.Object(variantRowItemProperties, strict);

/**
 * A product with variants (catalog/with-variants/sync, products/with-variants/bulk):
 * the parent's descriptive fields, and its variants; price, specialPrice, sku and
 * stock live on the variants only (seed 003's restriction).
 */
export const VariantProductInput = Type.Object({
  externalId: productFieldSchemas.externalId,
  name: productFieldSchemas.name,
  ...optional(descriptive.filter((k): k is Exclude<typeof k, 'specialPrice' | 'stock' | 'warehouses'> => !['specialPrice', 'stock', 'warehouses'].includes(k))),
  variants: Type.Object({ items: Type.Array(VariantRowItemInput, { minItems: 1, maxItems: 100 }) }, strict),
}, strict);
export type VariantProductInput = Static<typeof VariantProductInput>;
