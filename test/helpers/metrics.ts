import { expect } from 'vitest';
import type { TestContext } from './test-app.js';

/** The samples of /metrics whose name starts with `prefix`, as "name{labels}" → value. */
export async function samples(app: TestContext['app'], prefix: string) {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  return Object.fromEntries(res.body.split('\n').filter((l) => l.startsWith(prefix)).map((l) => {
    const at = l.lastIndexOf(' ');
    return [l.slice(0, at), Number(l.slice(at + 1))];
  }));
}
