import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fetch } from 'undici';
import { isPublicAddress, privateHostReason, publicOnlyAgent } from './private-targets.js';

describe('webhook targets (SSRF guard)', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::ffff:127.0.0.1', 'fd00::1', 'fe80::1', '224.0.0.1'])(
    '%s is not public', (ip) => expect(isPublicAddress(ip)).toBe(false));

  it.each(['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (ip) => expect(isPublicAddress(ip)).toBe(true));

  // IPv4-compatible IPv6 (::/96, deprecated by RFC 4291) embeds an IPv4 address as ::ffff:0:0/96 does: ipaddr.js calls it unicast.
  it.each(['::7f00:1', '::a9fe:a9fe', '::a00:5', '::808:808'])('%s (IPv4-compatible) is not public', (ip) => expect(isPublicAddress(ip)).toBe(false));

  it('names localhost written with the root label (localhost.) as this machine too', () => {
    expect(privateHostReason('http://localhost./h')).toBe('localhost names this machine');
    expect(privateHostReason('http://api.localhost./h')).toBe('api.localhost names this machine');
    expect(privateHostReason('http://[::7f00:1]/h')).toBe('::7f00:1 is not a public address (IPv4-compatible)');
  });

  it('names a URL whose host is private by its spelling, and leaves DNS names to delivery', () => {
    expect(privateHostReason('http://127.0.0.1:9/x')).toBe('127.0.0.1 is not a public address (loopback)');
    expect(privateHostReason('http://[::1]:8080/x')).toBe('::1 is not a public address (loopback)');
    expect(privateHostReason('http://169.254.169.254/latest/meta-data')).toBe('169.254.169.254 is not a public address (linkLocal)');
    expect(privateHostReason('http://LOCALHOST:3000/h')).toBe('localhost names this machine');
    expect(privateHostReason('https://api.localhost/h')).toBe('api.localhost names this machine');
    expect(privateHostReason('https://hooks.example.com/h')).toBeUndefined();
    expect(privateHostReason('https://8.8.8.8/h')).toBeUndefined();
  });

  it('connects only to public addresses of a name: a name resolving to loopback is refused at connect time', async () => {
    let hits = 0;
    const server = createServer((_req, res) => { hits += 1; res.end('ok'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://localhost:${(server.address() as AddressInfo).port}/`;
    try {
      const refused = await fetch(url, { dispatcher: await publicOnlyAgent() }).then(() => null, (e: Error) => e);
      expect((refused?.cause as { code?: string })?.code).toBe('EPRIVATETARGET');
      expect((refused?.cause as Error).message).toMatch(/^localhost resolves to no public address \(.*127\.0\.0\.1.*\)$/);
      expect(hits).toBe(0);
      // The same request without the guard reaches the server: the refusal above is the guard's.
      expect((await fetch(url)).status).toBe(200);
      expect(hits).toBe(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
