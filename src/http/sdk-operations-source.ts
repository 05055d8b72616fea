/**
 * src/sdk/operations.ts, generated from the OpenAPI document's Partner API operations
 * (`npm run sdk:operations`); test/integration/sdk-operations.test.ts keeps them equal. The SDK
 * cannot import the route schemas (it must not import server code), so their types are copied
 * here: a request the schema refuses (VAL_001: a missing or unknown field, a value outside an
 * enum) is a type error in the partner's code; limits (lengths, ranges) stay the server's.
 */

type Schema = {
  type?: string | string[]; enum?: unknown[]; const?: unknown; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[];
  properties?: Record<string, Schema>; required?: string[]; additionalProperties?: boolean | Schema; items?: Schema; description?: string;
};
type Parameter = { in: string; name: string; required?: boolean; schema: Schema };
type Operation = {
  operationId: string; parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
};
type Document = { paths: Record<string, Record<string, Operation>> };

const SIGNED_HEADERS = new Set(['x-partner-client-id', 'x-timestamp', 'x-store-client-id', 'x-store-token', 'x-signature']);
const PARTNER_PREFIX = '/api/v1/partner/';

const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));
const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);

/** The TypeScript type of a JSON schema, as the subset TypeBox emits for these routes. */
export function schemaType(schema: Schema, pad = ''): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map((s) => wrap(schemaType(s, pad))).join(' | ');
  if (schema.allOf) return schema.allOf.map((s) => wrap(schemaType(s, pad))).join(' & ');
  if (Array.isArray(schema.type)) return schema.type.map((type) => schemaType({ ...schema, type }, pad)).join(' | ');
  switch (schema.type) {
    case 'string': return 'string';
    case 'integer': case 'number': return 'number';
    case 'boolean': return 'boolean';
    case 'null': return 'null';
    case 'array': return `${wrap(schemaType(schema.items ?? {}, pad))}[]`;
    case 'object': return objectType(schema, pad);
    default: return 'unknown';
  }
}

const wrap = (type: string) => (/[|&]/.test(type) && !/^\{[\s\S]*\}$/.test(type) ? `(${type})` : type);

function objectType(schema: Schema, pad: string): string {
  const inner = `${pad}  `;
  const lines = Object.entries(schema.properties ?? {}).map(([name, s]) => {
    const doc = s.description ? `${inner}/** ${s.description.replace(/\*\//g, '* /')} */\n` : '';
    return `${doc}${inner}${key(name)}${schema.required?.includes(name) ? '' : '?'}: ${schemaType(s, inner)};`;
  });
  const extra = schema.additionalProperties;
  if (typeof extra === 'object') lines.push(`${inner}[key: string]: ${schemaType(extra, inner)};`);
  if (lines.length === 0) return extra === false ? 'Record<string, never>' : 'Record<string, unknown>';
  return `{\n${lines.join('\n')}\n${pad}}`;
}

/** A group of parameters (path, query, header) as one object type, or undefined without any. */
function parameterGroup(params: Parameter[], pad: string): { type: string; required: boolean } | undefined {
  if (params.length === 0) return undefined;
  const properties = Object.fromEntries(params.map((p) => [p.name, p.schema]));
  const required = params.filter((p) => p.required).map((p) => p.name);
  return { type: objectType({ type: 'object', properties, required }, pad), required: required.length > 0 };
}

export function renderSdkOperations(doc: Document): string {
  const types: string[] = [];
  const table: string[] = [];
  // An input or output written out once; the operations that share it (a batch read three ways) name the first.
  const firsts = new Map<string, string>();
  const once = (text: string, operationId: string, part: 'input' | 'output') => {
    const first = firsts.get(text);
    if (first) return `PartnerOperations['${first}']['${part}']`;
    firsts.set(text, operationId);
    return text;
  };
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith(PARTNER_PREFIX)) continue;
    for (const [method, op] of Object.entries(item)) {
      const params = op.parameters ?? [];
      const headerNames = params.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase());
      const scope = headerNames.includes('x-store-client-id') ? 'store' : headerNames.includes('x-partner-client-id') ? 'partner' : 'none';
      const input: string[] = [];
      const pad = '      ';
      for (const where of ['path', 'query', 'header'] as const) {
        const group = parameterGroup(params.filter((p) => p.in === where && !SIGNED_HEADERS.has(p.name.toLowerCase())), pad);
        if (group) input.push(`${pad}${where === 'header' ? 'headers' : where}${group.required ? '' : '?'}: ${group.type};`);
      }
      const body = op.requestBody?.content['application/json']?.schema;
      if (body) input.push(`${pad}body${op.requestBody?.required ? '' : '?'}: ${schemaType(body, pad)};`);
      const success = Object.entries(op.responses).find(([status]) => status.startsWith('2'));
      const output = success?.[1].content?.['application/json']?.schema;
      types.push([
        `  ${op.operationId}: {`,
        `    input: ${input.length ? once(`{\n${input.join('\n')}\n    }`, op.operationId, 'input') : 'Record<string, never>'};`,
        `    output: ${output ? once(indent(schemaType(output, ''), '    '), op.operationId, 'output') : 'undefined'};`,
        '  };',
      ].join('\n'));
      table.push(`  ${op.operationId}: { method: '${method.toUpperCase()}', path: '${path}', scope: '${scope}' },`);
    }
  }
  return [
    '// Generated from the OpenAPI document by `npm run sdk:operations` (src/http/sdk-operations-source.ts);',
    '// do not edit by hand: test/integration/sdk-operations.test.ts fails when it differs from the routes.',
    '',
    '/** Every Partner API operation by its OpenAPI operationId: what `PartnerClient.call` takes and resolves to. */',
    'export interface PartnerOperations {',
    ...types,
    '}',
    '',
    '/** Where each operation lives and which credentials sign it (store: partner and store headers; partner: partner headers only; none: unsigned). */',
    'export const partnerOperations = {',
    ...table,
    '} as const;',
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('sdk-operations-source.ts')) {
  // The document needs the routes, not a database: postgres.js connects at the first query.
  const { writeFileSync } = await import('node:fs');
  const { randomBytes } = await import('node:crypto');
  const { loadConfig } = await import('../config.js');
  const { connect } = await import('../db/database.js');
  const { buildApp } = await import('./app.js');
  const config = loadConfig({ DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused', OMNI_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent' });
  const sql = connect(config.DATABASE_URL!, 1);
  const app = await buildApp({ sql, config, encryptionKey: randomBytes(32) }, { logger: false });
  await app.ready();
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Document;
  writeFileSync(new URL('../sdk/operations.ts', import.meta.url), renderSdkOperations(doc));
  await app.close();
  await sql.end({ timeout: 0 });
}
