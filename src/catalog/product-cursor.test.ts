import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './product-cursor.js';

const id = '0193a5b4-7c2d-7e10-8a3b-1234567890ab';
const told = (f: () => unknown) => { try { f(); return undefined; } catch (err: any) { return err.context.validationErrors.querystring.after as string; } };

describe('the product list cursor', () => {
  it('reads back what it wrote, for the order it was made for', () => {
    const cursor = { sortBy: 'updatedAt' as const, order: 'desc' as const, micros: '1796550345174123', id };
    expect(decodeCursor(encodeCursor(cursor), { sortBy: 'updatedAt', order: 'desc', page: 1 })).toEqual(cursor);
    expect(told(() => decodeCursor(encodeCursor(cursor), { sortBy: 'createdAt', order: 'desc', page: 1 })))
      .toBe('after was made for sortBy=updatedAt&order=desc: send the same order');
  });

  it('refuses anything else: another alphabet, parts missing or extra, an id or time that is none', () => {
    const q = { sortBy: 'createdAt', order: 'asc' as const, page: 1 };
    const bad = ['', '!!', Buffer.from(`createdAt.asc.12.${id}.x`).toString('base64url'), Buffer.from(`createdAt.asc.1.2.${id}`).toString('base64url'),
      Buffer.from(`createdAt.asc.12.${id.toUpperCase()}`).toString('base64url'), Buffer.from(`createdAt.up.12.${id}`).toString('base64url'),
      Buffer.from(`createdAt.asc.253402300800000000.${id}`).toString('base64url'), Buffer.from(`createdAt.asc.1234567890123456789.${id}`).toString('base64url')];
    for (const after of bad) expect([after, told(() => decodeCursor(after, q))]).toEqual([after, 'after must be a nextCursor this list returned']);
  });
});
