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

  it('refuses an http(s) URL that parsing mends into another (an empty host, one slash, backslashes): it was stored as sent and delivered to the mended one (QA)', () => {
    for (const url of ['http:///127.0.0.1:47201/hostless', 'https:///example.com/x', 'http:/example.com/x', 'http:example.com/x', 'https:\\\\example.com\\x', 'https://example.com\\@evil.example/x', 'https://@example.com/x', 'http://example.com:/x']) {
      expect(webhookUrlProblem(url), JSON.stringify(url)).toMatch(/not written http\(s\):\/\/host/);
    }
    expect(webhookUrlProblem('HTTPS://Erp.Example:8443/in#x')).toBeUndefined();
  });

  it('counts 2,048 characters, not UTF-16 units, as the schema\'s maxLength does (an emoji counted twice: limits QA)', () => {
    const base = 'https://erp.example/😀';
    expect(webhookUrlProblem(base + 'a'.repeat(2048 - [...base].length))).toBeUndefined();
    expect(webhookUrlProblem(base + 'a'.repeat(2049 - [...base].length))).toBe('longer than 2048 characters');
  });
});
