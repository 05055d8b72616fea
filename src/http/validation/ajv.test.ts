import { describe, expect, it } from 'vitest';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { SIMPLE_HTTP_URL, bodyAjv, isHttpUrl, isUri } from './ajv.js';

const full = fullFormats.uri as (s: string) => boolean;
const samples = [
  'https://cdn.example.com/images/products/imp/12/photo-0-large.jpg?w=800&v=1',
  'https://image.uniqlo.com/UQ/ST3/id/imagesgoods/480166/item/idgoods_00_480166_3x4.jpg?width=369',
  'http://localhost:8080/a/b#frag', 'https://ex.com/%E2%82%AC/x', 'https://ex.com/a b', 'https://ex.com/%zz',
  'https://ex.com:99999999/x', 'https://user@ex.com/x', 'https://[::1]/x', 'ftp://ex.com/file', 'mailto:a@b.c',
  'https://ex.com/"quoted"', 'https://ex.com/<tag>', 'https:/ex.com', 'https//ex.com', 'https://', '', 'relative/path',
  'https://ex.com/?q=a|b', 'HTTPS://EX.COM/UPPER', 'https://ex.com/x?y=1#z?w=2', 'javascript:alert(1)',
];

describe('uri format', () => {
  it('answers exactly as the full RFC 3986 pattern does', () => {
    for (const s of samples) expect([s, isUri(s)]).toEqual([s, full(s)]);
  });
  it('takes its shortcut only for URIs', () => {
    for (const s of samples) if (SIMPLE_HTTP_URL.test(s)) expect([s, full(s)]).toEqual([s, true]);
    expect(samples.filter((s) => SIMPLE_HTTP_URL.test(s)).length).toBeGreaterThan(5);
  });
  it('is the format body schemas use', () => {
    const validate = bodyAjv.compile({ type: 'string', format: 'uri' });
    expect([validate('https://ex.com/a.jpg'), validate('https://ex.com/a b'), validate('ftp://ex.com/f')]).toEqual([true, false, true]);
  });
});

describe('uuid format', () => {
  it('takes what the PostgreSQL uuid type reads, in any case, and nothing it refuses', () => {
    const validate = bodyAjv.compile({ type: 'string', format: 'uuid' });
    const id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    expect([validate(id), validate(id.toUpperCase()), validate(`urn:uuid:${id}`), validate(id.slice(1)), validate(`{${id}}`)])
      .toEqual([true, true, false, false, false]);
  });
});

describe('http-url format', () => {
  it('takes absolute http(s) URLs, and none holding credentials', () => {
    for (const ok of ['https://img.example/a.jpg', 'http://img.example:8080/a', 'https://img.example/p?q=a@b', 'https://img.example/a#x@y', 'https://[::1]/a.jpg']) {
      expect(isHttpUrl(ok), ok).toBe(true);
    }
    for (const bad of ['https://user:secret@img.example/a.jpg', 'https://user@img.example', 'HTTP://u:p@img.example/a', 'ftp://img.example/a.jpg', '/a.jpg', 'http://img.example/a b']) {
      expect(isHttpUrl(bad), bad).toBe(false);
    }
  });

  it('takes the IRI of one, characters past ASCII in its host, path, query and fragment (they were refused: Unicode QA)', () => {
    for (const ok of ['https://example.com/fotos/café.jpg', 'https://例え.jp/a.jpg', 'https://bücher.de/x.png', 'https://ex.jp/画像/商品.jpg?名前=値#頁']) {
      expect(isHttpUrl(ok), ok).toBe(true);
    }
    for (const bad of ['https://ex.com/café photo.jpg', 'https://usér:sécret@ex.com/a.jpg', 'ftp://bücher.de/a', 'https://ex.com/\ud800.jpg', 'https://ex.com/\u00a0', 'https://ex.com/a\u0085']) {
      expect(isHttpUrl(bad), bad).toBe(false);
    }
  });
});
