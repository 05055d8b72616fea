import { describe, expect, it } from 'vitest';
import { formatText } from './output.js';

describe('formatText (admin output without --json)', () => {
  it('prints a list as a table: aligned columns headed by the JSON names, ISO-8601 times, no trailing blanks', () => {
    const text = formatText({ partners: [
      { partnerClientId: 'ptnr_a', name: 'Acme ERP', storeCount: 12, createdAt: new Date('2026-01-02T03:04:05.678Z') },
      { partnerClientId: 'ptnr_bbbbbbbb', name: 'B', storeCount: 0, createdAt: new Date('2026-01-03T00:00:00Z') },
    ] });
    expect(text).toBe([
      'partners:',
      '  partnerClientId  name      storeCount  createdAt',
      '  ptnr_a           Acme ERP  12          2026-01-02T03:04:05.678Z',
      '  ptnr_bbbbbbbb    B         0           2026-01-03T00:00:00.000Z',
      '',
    ].join('\n'));
  });

  it('says "none" for an empty list, and prints fields, times and nothing as such', () => {
    expect(formatText({ stores: [] })).toBe('stores: none\n');
    // A list of values (taxonomy seed's ids) as a cell lists them, not as JSON.
    expect(formatText({ categories: ['c-1', 'c-2'] })).toBe('categories: c-1,c-2\n');
    expect(formatText({ id: 'x', at: new Date(0), rows: 3 })).toBe('id: x\nat: 1970-01-01T00:00:00.000Z\nrows: 3\n');
    expect(formatText({ endpoints: [{ id: 'we_1', eventTypes: [], note: null, name: 'a\nb' }] }))
      .toBe('endpoints:\n  id    eventTypes  note  name\n  we_1  []          -     a b\n');
    expect(formatText({ endpoints: [{ id: 'we_1', eventTypes: [] }] }, { eventTypes: () => 'all' })).toBe('endpoints:\n  id    eventTypes\n  we_1  all\n');
    expect(formatText({ id: 'we_1', eventTypes: [] }, { eventTypes: () => 'all' })).toBe('id: we_1\neventTypes: all\n');
    // One line per field too, whatever a name holds (it printed "name: two" and "lines").
    expect(formatText({ id: 'o_1', name: 'two\nlines\u0001' })).toBe('id: o_1\nname: two lines \n');
  });
});
