import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_CODES } from 'node:http';
import { errorCatalogue, type ErrorCode } from '../../src/errors/catalogue.js';
import { Type } from '@sinclair/typebox';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { AppError, rowError } from '../../src/errors/app-error.js';
import { Envelope, ok } from '../../src/http/envelope.js';
import { errorResponsesFor, RowErrorSchema } from '../../src/http/error-responses.js';
import { checkRecordedCodes, takeUndeclaredErrors } from '../../src/http/plugins/declared-errors.js';
import { recordOutcomes } from '../../src/batches/process-batch.js';
import { batchRowCodes, pimItemCodes } from '../../src/http/row-codes.js';

let ctx: TestContext;
let doc: any;
beforeAll(async () => {
  // Two routes of the test's own, out of the document, to show the guard on declared codes.
  ctx = await createTestApp({ extend: (app) => {
    app.get('/test/declared-errors/:code', { schema: { hide: true, response: { 200: Envelope(Type.Null()) }, errors: errorResponsesFor(['PRD_001']) } },
      async (request) => { throw new AppError((request.params as { code: ErrorCode }).code); });
    app.get('/test/declared-rows', { schema: { hide: true, response: { 200: Envelope(Type.Object({ errors: Type.Array(RowErrorSchema(['INV_001'])) })) }, errors: errorResponsesFor(['SYS_001']) } },
      async (_request, reply) => ok(reply, 'Rows', { errors: [rowError('INV_002', { rowIndex: 0 })] }));
  } });
  doc = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(() => ctx.close());

const operations = () => Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
  Object.entries(item).map(([method, op]: [string, any]) => ({ path, method, op, name: `${method.toUpperCase()} ${path}` })));

/** The error.code schema of an error response; the codes every error response of an operation lists. */
const codeSchema = (response: any) => response.content['application/json'].schema.allOf[1].properties.error.properties.code;
const codesOf = (op: any): string[] => Object.entries<any>(op.responses).filter(([s]) => !s.startsWith('2') && !s.startsWith('3'))
  .flatMap(([, r]) => codeSchema(r).enum).sort();

describe('the OpenAPI document, as a client generator reads it', () => {
  it('names every operation, uniquely', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/api/v1/partner/stores/products/{productId}'].patch.operationId).toBe('patchPartnerStoresProductsByProductId');
    expect(doc.paths['/api/v1/partner/reference/sub-categories'].get.operationId).toBe('getPartnerReferenceSubCategories');
  });

  it('marks a parameter with a default as optional', () => {
    const requiredWithDefault = operations().flatMap(({ name, op }) => (op.parameters ?? [])
      .filter((p: any) => p.required && p.schema?.default !== undefined).map((p: any) => `${name} ${p.name}`));
    expect(requiredWithDefault).toEqual([]);
    const page = doc.paths['/api/v1/partner/stores/products'].get.parameters.find((p: any) => p.name === 'page');
    expect(page).toMatchObject({ in: 'query', required: false, schema: { default: 1 } });
  });

  it('gives every operation a described success response with content, and its error responses', () => {
    for (const { name, op } of operations()) {
      const success = Object.keys(op.responses).filter((s) => s.startsWith('2'));
      expect(success, name).toHaveLength(1);
      expect(op.responses[success[0]].content, name).toBeDefined();
      expect(op.responses[success[0]].description, name).not.toBe('Default Response');
      // Every route answers SYS_001 on a failure of its own; each status lists codes of that status only.
      expect(codesOf(op), name).toContain('SYS_001');
      for (const [status, response] of Object.entries<any>(op.responses)) {
        if (status.startsWith('2')) continue;
        // A redirect (an S3 export's download): described, no body.
        if (status.startsWith('3')) { expect(response.description, `${name} ${status}`).toMatch(/Location/); continue; }
        const codes: ErrorCode[] = codeSchema(response).enum;
        expect(codes.map((c) => errorCatalogue[c]?.status), `${name} ${status}`).toEqual(codes.map(() => Number(status)));
        expect(response.description, `${name} ${status}`).toBe(`${STATUS_CODES[status]}: ${codes.map((c) => `${c} (${errorCatalogue[c].message})`).join(', ')}`);
        expect(response.content['application/json'].schema.allOf[0].$ref).toBe('#/components/schemas/ErrorEnvelope');
      }
    }
    expect(doc.components.schemas.ErrorEnvelope.properties.error.required).toEqual(['code', 'message', 'details']);
  });

  it('lists the codes each route answers: a stock update not the PIM codes, a PIM read not the partner signature codes', () => {
    const inventory = doc.paths['/api/v1/partner/stores/inventory'].patch;
    expect(codesOf(inventory)).toEqual(['AUTH_001', 'AUTH_002', 'AUTH_003', 'AUTH_005', 'AUTH_010', 'AUTH_014', 'IDEM_001', 'IDEM_002',
      'PRD_006', 'REQ_001', 'REQ_002', 'REQ_003', 'REQ_005', 'REQ_007', 'REQ_008', 'REQ_009', 'REQ_010', 'SYS_001', 'SYS_002', 'VAL_001']);
    // An unknown SKU is a refused row of a 200, not a 404: listed with the rows' codes.
    const rows = inventory.responses['200'].content['application/json'].schema.properties.data.properties.errors.items;
    expect(rows.properties.code.enum).toEqual(expect.arrayContaining(['INV_001', 'INV_002', 'INV_003', 'INV_004', 'INV_005', 'WHS_003', 'VAL_001']));
    expect(rows.properties.code.enum.filter((c: string) => !/^(INV|WHS|VAL)_/.test(c))).toEqual([]);

    // REQ_006 where the path has parameters (refused before routing: an invalid escape, a value over 100 characters).
    expect(codesOf(doc.paths['/api/v1/pim/bulk-jobs/{id}'].get)).toEqual(['PIM_001', 'PIM_002', 'PIM_003', 'PIM_004', 'PIM_011', 'REQ_006', 'REQ_007', 'REQ_008', 'REQ_009', 'SYS_001', 'SYS_002', 'VAL_001']);
    // REQ_005 (an empty body) only where a body is taken: a DELETE without one answers an empty body as none.
    const deleteEndpoint = doc.paths['/api/v1/partner/webhooks/endpoints/{endpointId}'].delete;
    expect(codesOf(deleteEndpoint)).toEqual(expect.arrayContaining(['REQ_001', 'REQ_006', 'WHK_001']));
    expect(codesOf(deleteEndpoint)).not.toContain('REQ_005');
    expect(codesOf(doc.paths['/api/v1/partner/webhooks/endpoints/{endpointId}'].patch)).toContain('REQ_005');
    const patch = doc.paths['/api/v1/partner/stores/products/{productId}'].patch;
    expect(codeSchema(patch.responses['412']).enum).toEqual(['PRD_010']);
    expect(patch.responses['412'].description).toBe('Precondition Failed: PRD_010 (Product was modified)');
    expect(codesOf(patch).filter((c) => /^(PIM|IDEM|BAT|ONB|WHK)_/.test(c))).toEqual([]);
    expect(codesOf(doc.paths['/api/v1/partner/reference/categories'].get)).toEqual(['REQ_007', 'REQ_008', 'REQ_009', 'SYS_001', 'SYS_002', 'VAL_001']);
  });

  it("lists the codes a batch's rows and a PIM bulk job's items can end with", () => {
    const rowsOf = (op: any) => op.responses['200'].content['application/json'].schema.properties.data.properties;
    for (const path of ['/api/v1/partner/stores/batches/{batchId}', '/api/v1/partner/stores/batches/requests/{requestId}', '/api/v1/partner/stores/requests/{requestId}']) {
      const code = rowsOf(doc.paths[path].get).rows.items.properties.code;
      expect(code, path).toMatchObject({ type: ['string', 'null'], enum: [...batchRowCodes, null] });
    }
    // Refused at acceptance (WHS_*, PRD_041) or when processed (BAT_003), by any kind of batch.
    expect(batchRowCodes).toEqual(expect.arrayContaining(['BAT_003', 'INV_005', 'PRD_005', 'PRD_040', 'PRD_041', 'WHS_007']));
    expect(batchRowCodes.filter((c) => !/^(VAL|PRD|INV|WHS|BAT)_/.test(c))).toEqual([]);
    const items = rowsOf(doc.paths['/api/v1/pim/bulk-jobs/{id}'].get).item_errors.items;
    expect(items.properties.code).toMatchObject({ type: 'string', enum: pimItemCodes });
    expect(items.required).toEqual(['index', 'error']);
  });

  it('names the headers Omni sets: x-request-id on every response, a product\'s ETag, Retry-After on 429 and 503', async () => {
    for (const { name, op } of operations()) {
      for (const [status, response] of Object.entries<any>(op.responses)) {
        expect(response.headers?.['x-request-id'], `${name} ${status}`).toMatchObject({ schema: { type: 'string', format: 'uuid' } });
        expect(response.headers?.['Retry-After'] !== undefined, `${name} ${status}`).toBe(status === '429' || status === '503');
      }
    }
    const withEtag = operations().filter(({ op }) => op.responses['200']?.headers?.ETag).map(({ name }) => name).sort();
    expect(withEtag).toEqual(['GET /api/v1/partner/stores/products/sku/{sku}', 'GET /api/v1/partner/stores/products/{productId}', 'PATCH /api/v1/partner/stores/products/{productId}']);
    // As the routes answer: a 503 while the database is away is SYS_002 with Retry-After (error-handler.ts).
    expect(operations().some(({ op }) => op.responses['503'])).toBe(true);
    // Sent and not described until QA read the answers against the document: a replay's
    // idempotent-replayed (the eight operations taking an Idempotency-Key), an S3 download's
    // Location, an export file's content-disposition.
    const replaying = operations().filter(({ op }) => op.responses['200']?.headers?.['idempotent-replayed']).map(({ name }) => name).sort();
    expect(replaying).toEqual(operations().filter(({ op }) => (op.parameters ?? []).some((p: any) => p.in === 'header' && p.name === 'idempotency-key'))
      .map(({ name }) => name).sort());
    expect(replaying).toEqual(expect.arrayContaining(['POST /api/v1/partner/stores/catalog/sync', 'PATCH /api/v1/partner/stores/inventory', 'POST /api/v1/pim/bulk-jobs']));
    expect(replaying).toHaveLength(8);
    const download = doc.paths['/api/v1/pim/exports/{id}/download'].get;
    expect(download.responses['302'].headers.Location).toMatchObject({ schema: { type: 'string', format: 'uri' } });
    expect(download.responses['200'].headers['content-disposition']).toBeDefined();
    expect(doc.paths['/exports/{storeId}/{exportId}/{file}'].get.responses['200'].headers['content-disposition']).toBeDefined();
  });

  it('says what an export download answers', () => {
    const download = doc.paths['/api/v1/pim/exports/{id}/download'].get;
    expect(Object.keys(download.responses['200'].content).sort()).toEqual(['application/x-ndjson', 'text/csv']);
  });

  it('names the security scheme of each API: partner signature, PIM bearer, none for reference data', () => {
    for (const { name, path, op } of operations()) {
      const expected = path.startsWith('/api/v1/pim/') || path === '/api/v1/audit' ? [{ pimBearer: [] }]
        : path.startsWith('/api/v1/partner/') && !path.startsWith('/api/v1/partner/reference/') ? [{ partnerSignature: [] }] : undefined;
      expect(op.security, name).toEqual(expected);
    }
    expect(doc.components.securitySchemes.pimBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('refers only to docs that exist', () => {
    const referred = [...new Set(JSON.stringify(doc).match(/docs\/[\w-]+\.md/g))];
    expect(referred).toContain('docs/partner-auth.md');
    const missing = referred.filter((path) => !existsSync(fileURLToPath(new URL(`../../${path}`, import.meta.url))));
    expect(missing).toEqual([]);
  });
});

describe('under the test suite, a route answers only the error codes it declares', () => {
  const get = (url: string) => ctx.app.inject({ method: 'GET', url });

  it('a declared code is answered as it is', async () => {
    const res = await get('/test/declared-errors/PRD_001');
    expect([res.statusCode, res.json().error.code]).toEqual([404, 'PRD_001']);
    expect(takeUndeclaredErrors()).toEqual([]);
  });

  it('an undeclared code, of a declared status or not, is a 500 naming the route and the code, and fails the test', async () => {
    for (const [code, status] of [['PRD_012', 404], ['WHK_005', 429]] as const) {
      const res = await get(`/test/declared-errors/${code}`);
      expect([res.statusCode, res.json().error.code]).toEqual([500, 'SYS_001']);
      const problem = `GET /test/declared-errors/:code answered ${code} (${status}), which the route does not declare: add it to its schema.errors (errorResponsesFor)`;
      expect(res.json().error).toMatchObject({ message: problem, details: { context: { undeclared: code } } });
      // Taken here: test/helpers/declared-errors.ts would fail this test with them after it.
      expect(takeUndeclaredErrors()).toEqual([problem]);
    }
  });

  it('so does a refused row whose code the rows schema does not declare', async () => {
    const res = await get('/test/declared-rows');
    expect([res.statusCode, res.json().error.code]).toEqual([500, 'SYS_001']);
    expect(takeUndeclaredErrors()).toEqual(['GET /test/declared-rows refused rows with INV_002, which its RowErrorSchema does not declare']);
  });

  it('so does a batch row or PIM item that processing records with a code its list does not declare', async () => {
    // The rows are written as they are (here to no batch): the check only tells.
    await ctx.sql.begin((tx) => recordOutcomes(tx, randomUUID(), 'pb_none', [
      { rowIndex: 0, status: 'FAILED', code: 'PRD_012' }, { rowIndex: 1, status: 'FAILED', code: 'PRD_005' }, { rowIndex: 2, status: 'SUCCEEDED' },
    ]));
    checkRecordedCodes('a PIM bulk job item', [{ code: 'PRD_008' }, { code: 'PRD_011' }], pimItemCodes);
    expect(takeUndeclaredErrors()).toEqual([
      'a batch row recorded PRD_012, which its list does not declare: add it there (src/http/row-codes.ts)',
      'a PIM bulk job item recorded PRD_008, which its list does not declare: add it there (src/http/row-codes.ts)',
    ]);
  });

  it('an unknown route is not checked', async () => {
    expect((await get('/test/no-such-route')).json().error.code).toBe('REQ_004');
    expect(takeUndeclaredErrors()).toEqual([]);
  });
});
