import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalogue, errorDomains } from './catalogue.js';
import { renderErrorsDoc } from './errors-doc.js';

describe('error catalogue', () => {
  it('defines every code exactly once, with status, message and hint', () => {
    const all = Object.values(errorDomains).flatMap((d) => Object.keys(d));
    expect(new Set(all).size).toBe(all.length);
    expect(Object.keys(errorCatalogue).sort()).toEqual([...all].sort());
    for (const [code, def] of Object.entries(errorCatalogue)) {
      expect(code).toMatch(/^[A-Z]{3,4}_\d{3}$/);
      expect(def.status).toBeGreaterThanOrEqual(400);
      expect(def.message.length).toBeGreaterThan(3);
      expect(def.hint.length).toBeGreaterThan(3);
    }
  });
  it('docs/errors.md is up to date (npm run docs:errors)', () => {
    expect(readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')).toBe(renderErrorsDoc());
  });
});
