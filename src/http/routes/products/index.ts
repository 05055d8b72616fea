import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../../app.js';
import { cursorPageMeta, Envelope, ok, ProductPageMeta } from '../../envelope.js';
import { errorResponsesFor, jsonBody, productStockRules, storeRoute, variantStockRules } from '../../error-responses.js';
import { storeOf } from '../../plugins/partner-auth.js';
import { AppError } from '../../../errors/app-error.js';
import { ProductPatchInput } from '../../../catalog/product-schema.js';
import { productSnapshotSelect, updateProduct, type ProductSnapshot } from '../../../catalog/product-update.js';
import { getProduct, getProductBySku, listProducts, type ProductQuery } from '../../../catalog/product-read.js';
import { PatchResultView, ProductListQuery, ProductView, VariantActive } from './schemas.js';
import { UUID } from '../../../db/key-lookup.js';

const ProductId = Type.Object({ productId: Type.String({ format: 'uuid' }) });

/** ETags an If-Match may list: a product has one version, and a refusal echoes the list. */
const MAX_IF_MATCH_TAGS = 32;

/**
 * If-Match as the versions it names (RFC 9110, 13.1.1): "*" alone matches any current product,
 * as no header does; else a list of ETags, which matches when one does (empty elements ignored,
 * a comma inside quotes part of its tag). A weak tag never matches If-Match (strong comparison):
 * PRD_013 says so, rather than a 412 the client would take for a stale version.
 */
function parseIfMatch(header: string | undefined): number[] | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const refuse = (reason: string) => new AppError('PRD_013', { ifMatch: header.length > 200 ? `${header.slice(0, 200)}…` : header, reason });
  const elements: string[] = [''];
  let quoted = false;
  for (const c of header) {
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) elements.push('');
    else elements[elements.length - 1] += c;
  }
  if (quoted) throw refuse('an unclosed quote');
  const tags = elements.map((e) => e.trim()).filter((e) => e !== '');
  if (tags.length === 0) throw refuse('no ETag');
  if (tags.length > MAX_IF_MATCH_TAGS) throw refuse(`more than ${MAX_IF_MATCH_TAGS} ETags`);
  return tags.map((tag) => {
    if (tag === '*') throw refuse('"*" stands alone, not in a list');
    if (tag.startsWith('W/')) throw refuse('a weak ETag never matches If-Match (RFC 9110, 13.1.1): send the ETag as returned, e.g. "3"');
    // An entity-tag is quoted, and compared strongly: character by character (RFC 9110, 8.8.3 and
    // 8.8.3.2). `"0033"` matched version 33 and an unquoted `34` passed (QA).
    const m = /^"(0|[1-9]\d{0,8})"$/.exec(tag);
    if (!m) throw refuse(`not an ETag this API gives (a quoted version, as returned, e.g. "3"): ${tag.slice(0, 40)}`);
    return Number(m[1]);
  });
}

/**
 * What a PATCH refuses (catalog/product-update.ts and the variant-set modules it calls); INV_005
 * and PRD_002/PRD_003 also when PostgreSQL refuses a write another writer raced (patch-refusals.ts).
 */
const patchErrors = errorResponsesFor(storeRoute, jsonBody, productStockRules, variantStockRules, [
  'PRD_001', 'PRD_002', 'PRD_003', 'PRD_004', 'PRD_007', 'PRD_008', 'PRD_010', 'PRD_011', 'PRD_012', 'PRD_013', 'PRD_014', 'PRD_015', 'INV_005',
  // PATCH /products/bulk or /products/deletions, paths of a POST (plugins/request-parts.ts).
  'REQ_004',
]);
const readErrors = errorResponsesFor(storeRoute, ['PRD_001']);
/** GET /products/prices, /bulk or /deletions: paths of a PATCH or a POST (plugins/request-parts.ts). */
const readByIdErrors = errorResponsesFor(storeRoute, ['PRD_001', 'REQ_004']);

/** Single products: the synchronous PATCH of seed 003 and the reads. */
export async function productsRoutes(app: FastifyInstance, { sql, statements = sql }: AppDeps) {
  app.patch('/api/v1/partner/stores/products/:productId', {
    // The product is read in the credential lookup's round trip (a PATCH makes two, not three).
    config: { auth: 'store', prefetch: (request, db) => {
      const { productId } = request.params as { productId?: string };
      return productId && UUID.test(productId) ? productSnapshotSelect(db, db`s.id`, productId) : undefined;
    } },
    schema: {
      tags: ['products'], summary: 'Update one product (synchronous PATCH)',
      description: 'Only the fields sent change. variants omitted: unchanged; variants.items non-empty: the final set (items match existing variants by id, then externalId, then sku; unmatched items are created; omitted variants are deactivated); variants.items []: every variant deactivated and the product is simple again. A product with variants (or becoming one) refuses price, specialPrice, stock, sku and warehouses (PRD_011), also beside variants.items [] (the next PATCH sets them). Stock at one level: stock or warehouses. Stores without warehouses refuse warehouses and variant stock. Optional If-Match: the version (ETag) read last, or a list of them (it matches when one does); a stale one is PRD_010; "*" matches any version.',
      params: ProductId,
      headers: Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'product version, e.g. "3", a list of them ("3", "4"), or *' })) }),
      body: ProductPatchInput,
      response: { 200: Envelope(PatchResultView) }, errors: patchErrors,
    },
  }, async (request, reply) => {
    const principal = storeOf(request);
    const patch = request.body as ProductPatchInput;
    // Without a variant set a PATCH is single statements; a variant set is a locking transaction.
    const result = await updateProduct(patch.variants === undefined ? statements : sql, {
      storeId: principal.storeId, partnerId: principal.partnerId, partnerClientId: principal.partnerClientId, requestId: request.id, ip: request.ip,
      expectedVersions: parseIfMatch(request.headers['if-match'] as string | undefined),
    }, (request.params as { productId: string }).productId, patch, request.prefetched as ProductSnapshot | null | undefined);
    reply.header('etag', `"${result.version}"`);
    const { version: _v, ...data } = result;
    return ok(reply, 'Product updated successfully', data);
  });

  app.get('/api/v1/partner/stores/products/sku/:sku', {
    config: { auth: 'store' },
    schema: {
      tags: ['products'], summary: 'One product by SKU (a variant SKU finds its product)',
      params: Type.Object({ sku: Type.String({ minLength: 1, maxLength: 100 }) }), querystring: VariantActive,
      response: { 200: Envelope(ProductView) }, errors: readErrors,
    },
  }, async (request, reply) => {
    const { sku } = request.params as { sku: string };
    const product = await getProductBySku(statements, storeOf(request).storeId, sku, (request.query as { isVariantActive?: boolean }).isVariantActive);
    if (!product) throw new AppError('PRD_001', { sku });
    reply.header('etag', `"${product.version}"`);
    return ok(reply, 'Product retrieved successfully', product);
  });

  app.get('/api/v1/partner/stores/products/:productId', {
    config: { auth: 'store' },
    schema: {
      tags: ['products'], summary: 'One product with its variants and per-warehouse stock',
      params: ProductId, querystring: VariantActive, response: { 200: Envelope(ProductView) }, errors: readByIdErrors,
    },
  }, async (request, reply) => {
    const { productId } = request.params as { productId: string };
    const product = await getProduct(statements, storeOf(request).storeId, productId, (request.query as { isVariantActive?: boolean }).isVariantActive);
    if (!product) throw new AppError('PRD_001', { productId });
    reply.header('etag', `"${product.version}"`);
    return ok(reply, 'Product retrieved successfully', product);
  });

  app.get('/api/v1/partner/stores/products', {
    config: { auth: 'store' },
    schema: {
      tags: ['products'], summary: "The store's products, filtered and paginated",
      querystring: ProductListQuery, response: { 200: Envelope(Type.Array(ProductView), ProductPageMeta) }, errors: errorResponsesFor(storeRoute),
    },
  }, async (request, reply) => {
    const q = request.query as ProductQuery;
    const { total, items, nextCursor } = await listProducts(sql, storeOf(request).storeId, q);
    return ok(reply, 'Products retrieved successfully', items, cursorPageMeta(q, total, nextCursor));
  });
}
