import { Type } from '@sinclair/typebox';
import { PageNumber } from '../../envelope.js';

const N = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Str = Type.String();
const WarehouseStock = Type.Object({ clientId: Str, name: Str, stock: Type.Integer() });

export const VariantView = Type.Object({
  id: Type.String({ format: 'uuid' }), externalId: N(Str), sku: Str, options: Type.Record(Str, Str),
  price: N(Type.Number()), specialPrice: N(Type.Number()), stock: Type.Integer({ description: 'sum of its warehouse rows' }),
  barcode: N(Str), photos: Type.Array(Str), isActive: Type.Boolean(), warehouses: Type.Array(WarehouseStock),
});

export const ProductView = Type.Object({
  id: Type.String({ format: 'uuid' }), externalId: N(Str), sku: N(Str), name: Str, description: N(Str),
  price: N(Type.Number()), specialPrice: N(Type.Number()),
  stock: Type.Integer({ description: 'product-level stock (store without warehouses) or the sum of warehouse rows' }),
  weight: N(Type.Integer()), dimensions: N(Type.Object({ length: N(Type.Number()), width: N(Type.Number()), height: N(Type.Number()) })),
  minOrder: Type.Integer(), categoryId: N(Str), subCategoryId: N(Str), typeId: N(Str), brandId: N(Str), barcode: N(Str),
  hashtags: Type.Array(Str), condition: Str, photos: Type.Array(Str), officialBanners: Type.Array(Str), thumbnails: Type.Array(Str),
  isPreorder: Type.Boolean(), preorderPeriod: Type.Integer(), isArchived: Type.Boolean(), insuranceRequired: Type.Boolean(),
  codEnabled: Type.Boolean(), isVerified: Type.Boolean(), hasVariants: Type.Boolean(),
  version: Type.Integer({ description: 'also the ETag; send it as If-Match to PATCH safely' }),
  createdAt: Type.String({ format: 'date-time' }), updatedAt: Type.String({ format: 'date-time' }),
  warehouses: Type.Array(WarehouseStock, { description: "a simple product's stock per warehouse" }),
  variants: Type.Array(VariantView),
});

// In seed 003's order: externalId, then id (QA).
export const PatchResultView = Type.Object({
  externalId: N(Str), id: Type.String({ format: 'uuid' }), hasVariants: Type.Boolean(),
  updatedFields: Type.Array(Str, { description: 'the fields whose value changed' }),
});

const Bool = Type.Boolean();
/** A product read's query: only its active (true) or inactive (false) variants. */
export const VariantActive = Type.Object({ isVariantActive: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

export const ProductListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 255, description: 'name contains (case-insensitive, composed or decomposed Unicode alike), or exact sku / externalId of the product or of one of its variants' })),
  isArchived: Type.Optional(Bool), isAvailableStock: Type.Optional(Type.Boolean({ description: 'stock > 0 (true) or = 0 (false)' })),
  isVerified: Type.Optional(Bool), isVariantActive: Type.Optional(Type.Boolean({ description: 'only active (true) or inactive (false) variants in each product' })),
  externalId: Type.Optional(Type.String({ maxLength: 255 })),
  updatedSince: Type.Optional(Type.String({
    format: 'date-time',
    description: 'products whose updatedAt is at or after this instant (inclusive; compared to the microsecond, as stored): a change of the product\'s own fields or variant set moves updatedAt, stock alone does not (stock.update.* events and batches tell it)',
  })),
  sortBy: Type.Union(['createdAt', 'updatedAt', 'name', 'price', 'stock'].map((s) => Type.Literal(s)), { default: 'createdAt' }),
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' }),
  page: PageNumber(),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  after: Type.Optional(Type.String({ maxLength: 200, description: 'the nextCursor of the page before (sortBy createdAt or updatedAt, the same order, no page): the page after its last product, wherever products moved since. By page instead, which counts from the start each time, a product updated between two pages of an updatedSince read moves the others up one, so one is never read. By updatedAt, a product updated while you read moves to the newest end: in order asc it is read again at the end; in desc it is behind the cursor, for your next updatedSince read (sync in asc)' })),
}, { additionalProperties: false });
