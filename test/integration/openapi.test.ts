import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../src/errors/catalogue.js';
import { createTestApp, type TestContext } from '../helpers/test-app.js';

let ctx: TestContext;
let doc: any;
beforeAll(async () => {
  ctx = await createTestApp();
  doc = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(() => ctx.close());

const operations = () => Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
  Object.entries(item).map(([method, op]: [string, any]) => ({ path, method, op, name: `${method.toUpperCase()} ${path}` })));

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

  it('gives every operation a described success response with content, and the statuses of the error catalogue', () => {
    const statuses = [...new Set(Object.values(errorCatalogue).map((d) => String(d.status)))].sort();
    for (const { name, op, path } of operations()) {
      const success = Object.keys(op.responses).filter((s) => s.startsWith('2'));
      expect(success, name).toHaveLength(1);
      expect(op.responses[success[0]].content, name).toBeDefined();
      expect(op.responses[success[0]].description, name).not.toBe('Default Response');
      if (path !== '/health') expect(Object.keys(op.responses).filter((s) => !s.startsWith('2')).sort(), name).toEqual(statuses);
    }
    const patch = doc.paths['/api/v1/partner/stores/products/{productId}'].patch;
    expect(patch.responses['412'].description).toBe('Precondition Failed: PRD_010 (docs/errors.md)');
    expect(patch.responses['412'].content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorEnvelope');
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
