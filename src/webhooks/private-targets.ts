import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Agent } from 'undici';
import { AppError } from '../errors/app-error.js';

/**
 * Webhook URLs are chosen by partners, and the worker POSTs to them from inside the marketplace's
 * network: without a guard, a partner could make it call an internal service, the database host
 * or a cloud metadata endpoint (169.254.169.254), and read the answer's status in the delivery
 * log (server-side request forgery). Unless WEBHOOK_ALLOW_PRIVATE_URLS is on (its default on the
 * embedded database, i.e. a developer's machine), only public addresses are delivered to.
 */

/** IPv4-compatible IPv6 (::a.b.c.d, deprecated by RFC 4291): ipaddr.js calls it unicast, yet it embeds an IPv4 address. */
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

/** The range of an address as ipaddr.js names it (IPv4-mapped IPv6 read as IPv4), IPv4-compatible IPv6 named so. */
function rangeOf(ip: string): string {
  const addr = ipaddr.process(ip);
  return addr.kind() === 'ipv6' && addr.range() === 'unicast' && (addr as ipaddr.IPv6).match(IPV4_COMPATIBLE) ? 'IPv4-compatible' : addr.range();
}

/** Whether an address is a public one (ipaddr.js range "unicast"; IPv4-mapped IPv6 read as IPv4; not IPv4-compatible IPv6). */
export function isPublicAddress(ip: string): boolean {
  try { return rangeOf(ip) === 'unicast'; } catch { return false; }
}

/** Why a URL's host is not public by its spelling alone (a DNS name is checked when delivery resolves it). */
export function privateHostReason(url: string): string | undefined {
  let host: string;
  // A name may end with the root label ("localhost."): the same name.
  try { host = new URL(url).hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase(); } catch { return undefined; }
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} names this machine`;
  if (isIP(host) && !isPublicAddress(host)) return `${host} is not a public address (${rangeOf(host)})`;
  return undefined;
}

/** WHK_003 for a partner registering a URL whose host is not public, unless private targets are allowed. */
export function assertPublicTarget(url: string, allowPrivate: boolean) {
  const reason = allowPrivate ? undefined : privateHostReason(url);
  if (reason) throw new AppError('WHK_003', { url, reason: `${reason}: webhooks are delivered to public addresses only` });
}

/** The error a delivery attempt records when its host resolves to no public address. */
export class PrivateTargetError extends Error {
  readonly code = 'EPRIVATETARGET';
}

/**
 * dns.lookup keeping the public addresses only: the connection can only go to an address this
 * returns, so a name that resolves (or is rebound, between registration and delivery) to a
 * private address is refused at connect time, not only when registered.
 */
const publicLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, found) => {
    const cb = callback as (e: Error | null, a: string | LookupAddress[], f?: number) => void;
    if (err) return cb(err, '', 0);
    const addresses = (found as LookupAddress[]).filter((a) => isPublicAddress(a.address));
    if (addresses.length === 0) {
      const all = (found as LookupAddress[]).map((a) => a.address).join(', ');
      return cb(new PrivateTargetError(`${hostname} resolves to no public address (${all})`), '', 0);
    }
    if (options.all) return cb(null, addresses);
    return cb(null, addresses[0].address, addresses[0].family);
  });
};

let agent: Promise<Agent> | undefined;
/**
 * The dispatcher of deliveries when private targets are refused. undici is loaded on the first
 * delivery, not with this module: every `omni admin` command imports the webhook modules, and
 * undici cost each 0.14 s of loading.
 */
export const publicOnlyAgent = () => (agent ??= import('undici').then(({ Agent }) => new Agent({ connect: { lookup: publicLookup } })));
