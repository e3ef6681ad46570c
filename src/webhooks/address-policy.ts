import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * SSRF rules (README, "Webhooks"): the addresses a webhook may not reach unless
 * WEBHOOK_ALLOW_PRIVATE_NETWORKS=true. Node's BlockList also matches the IPv4-mapped IPv6 form
 * of an IPv4 rule (`::ffff:127.0.0.1` is loopback too).
 */
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique-local, AWS metadata (fd00:ec2::254)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6');
}

/** True when the address is one a webhook may not reach (without WEBHOOK_ALLOW_PRIVATE_NETWORKS). */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Why a URL cannot be a webhook's; the message is the client's 400 (or the attempt's error). */
export class UnsafeUrlError extends Error {}

export interface VettedTarget {
  url: URL;
  /** The address to connect to: resolved and checked once, so that DNS cannot change it between. */
  address: string;
  family: 4 | 6;
}

export interface AddressRules {
  allowPrivateNetworks: boolean;
  requireHttps: boolean;
}

/** dns.lookup(host, { all: true }) by default; tests pass their own. */
export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

const resolveAll: Resolver = (host) => lookup(host, { all: true, verbatim: true });

/**
 * Parses and checks a webhook URL: http(s) only (https only when required), and every address
 * its host resolves to allowed. Answers the address to connect to. Throws UnsafeUrlError.
 */
export async function vetUrl(
  raw: string,
  rules: AddressRules,
  resolve: Resolver = resolveAll,
): Promise<VettedTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError(`url must be an absolute http or https URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UnsafeUrlError(`url must use http or https, not ${url.protocol.slice(0, -1)}`);
  }
  if (rules.requireHttps && url.protocol !== 'https:') {
    throw new UnsafeUrlError('url must use https (WEBHOOK_ALLOW_HTTP is not set)');
  }
  if (url.username || url.password) {
    throw new UnsafeUrlError('url must not carry credentials (user:password@)');
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await resolve(host);
  } catch {
    throw new UnsafeUrlError(`url's host ${host} does not resolve`);
  }
  if (addresses.length === 0) throw new UnsafeUrlError(`url's host ${host} does not resolve`);
  if (!rules.allowPrivateNetworks) {
    const blocked = addresses.find(({ address }) => isBlockedAddress(address));
    if (blocked) {
      throw new UnsafeUrlError(
        `url's host ${host} resolves to ${blocked.address}, a loopback, private, link-local or otherwise internal address; webhooks may only reach public addresses`,
      );
    }
  }
  const [first] = addresses;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
