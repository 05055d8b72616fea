import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { PartnerWebhookVerificationError, verifyWebhook } from './webhooks.js';

const secret = () => `whsec_${randomBytes(24).toString('base64')}`;
const body = JSON.stringify({ type: 'products.bulk.completed', timestamp: '2026-12-05T10:00:00.000Z', storeClientId: 'str_1', data: { batchId: 'pb_1' } });

/** Headers as Omni sends them, signed by the `standardwebhooks` package Omni signs with. */
function signed(secrets: string[], at = new Date(), id = 'evt_1', text = body) {
  const signature = secrets.map((s) => new Webhook(s).sign(id, at, text)).join(' ');
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
}

describe('verifyWebhook', () => {
  it('returns the event of a delivery signed by the secret, from a plain header object or fetch Headers', () => {
    const s = secret();
    const headers = signed([s]);
    const event = verifyWebhook(s, body, headers);
    expect(event).toEqual({ id: 'evt_1', type: 'products.bulk.completed', timestamp: '2026-12-05T10:00:00.000Z', storeClientId: 'str_1', data: { batchId: 'pb_1' } });
    expect(verifyWebhook(s, Buffer.from(body), new Headers(headers))).toEqual(event);
    // Node's IncomingHttpHeaders are lower-case; a proxy may have capitalised them.
    expect(verifyWebhook(s, body, { 'Webhook-Id': 'evt_1', 'Webhook-Timestamp': headers['webhook-timestamp'], 'Webhook-Signature': [headers['webhook-signature']] })).toEqual(event);
  });

  it('accepts any one of the secrets of a rotation, and a header signed by several', () => {
    const [old, current] = [secret(), secret()];
    expect(verifyWebhook([current, old], body, signed([old])).id).toBe('evt_1');
    expect(verifyWebhook(old, body, signed([current, old])).id).toBe('evt_1');
  });

  it('refuses what the standardwebhooks package refuses: another secret, a changed body or id, an old or future timestamp', () => {
    const s = secret();
    const cases: [string, string, Record<string, string>, RegExp][] = [
      ['another secret', body, signed([secret()]), /no webhook-signature matches/],
      ['a changed body', body.replace('pb_1', 'pb_2'), signed([s]), /no webhook-signature matches/],
      ['a changed id', body, { ...signed([s]), 'webhook-id': 'evt_2' }, /no webhook-signature matches/],
      ['six minutes old', body, signed([s], new Date(Date.now() - 360_000)), /more than 300 s away/],
      ['six minutes ahead', body, signed([s], new Date(Date.now() + 360_000)), /more than 300 s away/],
      ['no signature', body, { ...signed([s]), 'webhook-signature': '' }, /missing/],
      ['a v2 signature only', body, { ...signed([s]), 'webhook-signature': 'v2,abc' }, /no webhook-signature matches/],
    ];
    for (const [what, text, headers, why] of cases) {
      expect(() => verifyWebhook(s, text, headers), what).toThrow(why);
      expect(() => verifyWebhook(s, text, headers), what).toThrow(PartnerWebhookVerificationError);
      expect(() => new Webhook(s).verify(text, headers), what).toThrow();
    }
  });

  it('reads a signature header sent twice, checks every secret given whatever the order, and takes the id from the header', () => {
    const s = secret();
    const headers = signed([s]);
    expect(verifyWebhook(s, body, { ...headers, 'webhook-signature': ['v1,AAAA', headers['webhook-signature']] }).id).toBe('evt_1');
    for (const secrets of [['', s], [s, '']]) expect(() => verifyWebhook(secrets, body, headers)).toThrow(/secret is empty or not base64/);
    const withId = JSON.stringify({ id: 'forged', type: 't', timestamp: 'x', storeClientId: null, data: {} });
    expect(verifyWebhook(s, withId, signed([s], new Date(), 'evt_9', withId)).id).toBe('evt_9');
    for (const notEvent of ['[1,2]', 'null', '"text"']) {
      expect(() => verifyWebhook(s, notEvent, signed([s], new Date(), 'evt_1', notEvent))).toThrow(/not an event object/);
    }
  });

  it('takes a tolerance and a clock of its own', () => {
    const s = secret();
    const at = new Date('2026-12-05T10:00:00Z');
    expect(verifyWebhook(s, body, signed([s], at), { now: new Date('2026-12-05T10:04:59Z') }).id).toBe('evt_1');
    expect(() => verifyWebhook(s, body, signed([s], at), { now: new Date('2026-12-05T10:04:59Z'), toleranceSeconds: 60 })).toThrow(/more than 60 s/);
  });
});
