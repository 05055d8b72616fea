import { describe, expect, it } from 'vitest';
import { disabledMessage, mayChangeEndpoint } from './endpoint-health.js';

describe('endpoint health', () => {
  const at = new Date('2026-01-10T00:00:00Z');
  const hoursBefore = (h: number) => new Date(at.getTime() - h * 3600_000);

  it('sends a statement only for an attempt that may change the endpoint: a success ending a streak, a failure starting one, a 410, a failure past the period', () => {
    const ok = { ok: true, statusCode: 204, error: null, at };
    const failed = { ok: false, statusCode: 500, error: 'HTTP 500', at };
    expect(mayChangeEndpoint(ok, null, 120)).toBe(false);
    expect(mayChangeEndpoint(ok, hoursBefore(1), 120)).toBe(true);
    expect(mayChangeEndpoint(failed, null, 120)).toBe(true);
    expect(mayChangeEndpoint(failed, hoursBefore(119), 120)).toBe(false);
    expect(mayChangeEndpoint(failed, hoursBefore(120), 120)).toBe(true);
    expect(mayChangeEndpoint({ ok: false, statusCode: null, error: 'timeout', at }, hoursBefore(121), 120)).toBe(true);
    expect(mayChangeEndpoint({ ok: false, statusCode: 410, error: 'HTTP 410', at }, hoursBefore(1), 120)).toBe(true);
  });

  it('says why in the log line', () => {
    expect(disabledMessage('we_1', { reason: 'gone', failingSince: at }, 120)).toBe('webhook endpoint we_1 disabled: its receiver answered 410 Gone');
    expect(disabledMessage('we_1', { reason: 'failing', failingSince: hoursBefore(121) }, 120))
      .toBe('webhook endpoint we_1 disabled: its attempts have failed since 2026-01-04T23:00:00.000Z without a success (WEBHOOK_DISABLE_AFTER_FAILING_HOURS 120)');
  });
});
