import { describe, expect, it } from 'vitest';
import { webhookUrlProblem } from './endpoints.js';

describe('webhookUrlProblem', () => {
  it('refuses white space and control characters, which URL parsing would drop (the CLI stored them: QA)', () => {
    for (const url of ['  https://erp.example/in  ', 'https://exa\tmple.com/h', 'https://erp.example/a\nb', 'https://erp.example/a b', 'https://erp.example/\u0001']) {
      expect(webhookUrlProblem(url), JSON.stringify(url)).toMatch(/white space or a control character/);
    }
    expect(webhookUrlProblem('https://erp.example/a%20b?x=1')).toBeUndefined();
    expect(webhookUrlProblem('https://user:pw@erp.example/in')).toMatch(/credentials/);
  });
});
