import { describe, expect, it } from 'vitest';
import { rawJsonMember } from './raw-json-member.js';

describe('rawJsonMember', () => {
  it('gives a member exactly as sent: spacing, number spellings, escapes', () => {
    const body = '{ "job_type" : "BULK_IMPORT",\n  "payload" : [ {"title":"A \\"quoted\\" \\u00e9 [x]", "price": 1.50 },{"title":"B}","tags":["{",[]]} ] }';
    expect(rawJsonMember(body, 'payload')).toBe('[ {"title":"A \\"quoted\\" \\u00e9 [x]", "price": 1.50 },{"title":"B}","tags":["{",[]]} ]');
    expect(rawJsonMember(body, 'job_type')).toBe('"BULK_IMPORT"');
  });

  it('takes the last of repeated keys, as JSON.parse does; undefined when absent or not an object', () => {
    expect(rawJsonMember('{"payload":[1],"payload":[2.0]}', 'payload')).toBe('[2.0]');
    expect(rawJsonMember('{"a":{"payload":[1]},"b":1e3}', 'payload')).toBeUndefined();
    expect(rawJsonMember('{"a":"\\\\","payload":true}', 'payload')).toBe('true');
    expect(rawJsonMember('[{"payload":1}]', 'payload')).toBeUndefined();
    expect(rawJsonMember('{}', 'payload')).toBeUndefined();
  });

  it('agrees with JSON.parse on every member of generated objects', () => {
    const values = [1.5, -2.5e-3, 'x"y\\', [1, [2, { a: '}' }]], { '"': null }, true, null, 'é\n'];
    const body = `{${values.map((v, n) => ` "k${n}" :\t${JSON.stringify(v, null, n % 2 ? 2 : 0)} `).join(',')}}`;
    values.forEach((v, n) => expect(JSON.parse(rawJsonMember(body, `k${n}`)!)).toEqual(v));
  });
});
