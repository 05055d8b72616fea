import { errorDomains } from './catalogue.js';

/** docs/errors.md, generated from the catalogue (`npm run docs:errors`); a test keeps them equal. */
export function renderErrorsDoc(): string {
  const lines = [
    '# Error codes',
    '',
    'Generated from `src/errors/codes/*.ts` by `npm run docs:errors`; do not edit by hand.',
    '',
    'Every error response has the envelope',
    '`{"success": false, "error": {"code", "message", "details": {"timestamp", "hint", "context"}}, "requestId"}`.',
    'Row-level errors of bulk endpoints (`data.errors[]`) use the same codes and messages.',
    'Each operation of the OpenAPI document (`/openapi.json`, `/docs`) lists the codes it answers, a bulk endpoint the codes of its rows,',
    "and a batch (`rows[].code`) and a PIM bulk job (`item_errors[].code`) the codes their rows and items can end with.",
    '',
  ];
  for (const [domain, codes] of Object.entries(errorDomains)) {
    if (Object.keys(codes).length === 0) continue;
    lines.push(`## ${domain}`, '', '| code | HTTP | message | hint |', '| --- | --- | --- | --- |');
    for (const [code, d] of Object.entries(codes)) lines.push(`| ${code} | ${d.status} | ${d.message} | ${d.hint} |`);
    lines.push('');
  }
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('errors-doc.ts')) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(new URL('../../docs/errors.md', import.meta.url), renderErrorsDoc());
}
