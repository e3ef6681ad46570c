import { isIP } from 'node:net';

/** Where the per-address counters live: this process's memory, or a Redis server replicas share. */
export type RateLimitStore = { kind: 'memory' } | { kind: 'redis'; url: string };

/**
 * Which proxies' X-Forwarded-For the service believes (TRUST_PROXY): none (false), the last
 * `hops` addresses, or proxies at the listed addresses / CIDR ranges. Fastify's trustProxy.
 */
export type TrustProxy = false | number | string[];

/** Named ranges proxy-addr (Fastify's trustProxy) knows, besides addresses and CIDR ranges. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** RATE_LIMIT_STORE: `memory` (the default) or a redis:// (rediss://) URL. */
export function rateLimitStore(raw: string | undefined, problems: string[]): RateLimitStore {
  const value = raw?.trim() ?? '';
  if (value === '' || value.toLowerCase() === 'memory') return { kind: 'memory' };
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || !['redis:', 'rediss:'].includes(url.protocol) || !url.hostname) {
    problems.push(
      `RATE_LIMIT_STORE must be memory or a redis:// URL such as redis://127.0.0.1:6379, got "${redactRedisUrl(value)}"`,
    );
    return { kind: 'memory' };
  }
  return { kind: 'redis', url: value };
}

/** TRUST_PROXY: unset or false, a hop count (1-10), or comma-separated addresses / CIDR ranges. */
export function trustProxy(raw: string | undefined, problems: string[]): TrustProxy {
  const value = raw?.trim() ?? '';
  if (value === '' || ['false', 'no', '0'].includes(value.toLowerCase())) return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops <= 10) return hops;
    problems.push(`TRUST_PROXY as a hop count must be from 0 to 10, got "${raw}"`);
    return false;
  }
  if (['true', 'yes', '*'].includes(value.toLowerCase())) {
    problems.push(
      "TRUST_PROXY=true would believe any X-Forwarded-For a client sends: give the proxies' addresses (TRUST_PROXY=10.0.0.5,10.0.0.6) or how many proxies are in front (TRUST_PROXY=1)",
    );
    return false;
  }
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (!isAddressOrRange(entry)) {
      problems.push(
        `TRUST_PROXY entries must be IP addresses, CIDR ranges (10.0.0.0/8) or loopback, linklocal, uniquelocal; got "${entry}"`,
      );
      return false;
    }
  }
  return entries;
}

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d+$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/** A Redis URL for the log: its password (redis://:secret@host, redis://user:secret@host) as ***. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
