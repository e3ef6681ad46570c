import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  DEFAULT_MAX_TTL_SECONDS,
  developmentSecret,
  MIN_SECRET_LENGTH,
  type AuthOptions,
  type TokenRules,
} from '../auth/auth.options';
import {
  DatabaseTarget,
  parseDatabaseUrl,
  redact,
  SQLITE_SYNCHRONOUS_MODES,
  type SqliteSynchronous,
} from '../database/database-url';
import { LOG_LEVELS, type LogFormat, type LoggingOptions } from '../logging/logging.options';
import {
  rateLimitStore,
  trustProxy,
  type RateLimitStore,
  type TrustProxy,
} from '../rate-limit/rate-limit.config';
import { webhookOptions, type WebhookOptions } from '../webhooks/webhooks.options';

/** Everything the service reads from its environment; see .env.example. */
export interface AppConfig {
  /** DATABASE_URL, password redacted: for logs. */
  databaseUrl: string;
  database: DatabaseTarget;
  host: string;
  port: number;
  /** Apply pending migrations at start (MIGRATIONS_RUN, default true). */
  runMigrations: boolean;
  /** Connections in the MariaDB/MySQL pool (DB_POOL_SIZE, default 10). */
  poolSize: number;
  /**
   * SQLite's `PRAGMA synchronous` on the writing connection (SQLITE_SYNCHRONOUS: normal, the
   * default, or full). README, "Durability of the SQLite file".
   */
  sqliteSynchronous: SqliteSynchronous;
  /**
   * SQLite's `PRAGMA mmap_size` on every connection (SQLITE_MMAP_SIZE, bytes, default 0: off).
   * README, "The SQLite file: durability and speed".
   */
  sqliteMmapSize: number;
  /** How often to retry the first connection at start (DB_CONNECT_RETRIES, default 10, 2 s apart). */
  connectRetries: number;
  /** Largest request body in bytes (BODY_LIMIT_BYTES, default 100 KiB). */
  bodyLimitBytes: number;
  /** Time for a request's headers and body to arrive, in ms (REQUEST_TIMEOUT_MS, default 10 s; 408 beyond). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open, in ms (KEEP_ALIVE_TIMEOUT_MS, default 72 s). */
  keepAliveTimeoutMs: number;
  /** Open connections at most; more are closed at once (MAX_CONNECTIONS, default 1000). */
  maxConnections: number;
  /**
   * Origins allowed to call the API from a browser (CORS_ORIGINS, comma-separated; none by
   * default); `https://*.example.com` stands for any one-label subdomain.
   */
  corsOrigins: Array<string | RegExp>;
  /** The OpenAPI document and Swagger UI (DOCS): `public` (default), `auth` (a bearer token of any role) or `off`. */
  docs: DocsMode;
  /** Requests per minute and client address (RATE_LIMIT_PER_MINUTE, default 600; 0 turns it off). */
  rateLimitPerMinute: number;
  /** Where the rate limit counts (RATE_LIMIT_STORE: memory, the default, or redis://host:port). */
  rateLimitStore: RateLimitStore;
  /** Refuse requests (503) while the rate limit's Redis is unreachable (RATE_LIMIT_FAIL_CLOSED). */
  rateLimitFailClosed: boolean;
  /** Proxies whose X-Forwarded-For names the client (TRUST_PROXY: addresses or a hop count). */
  trustProxy: TrustProxy;
  /** How long an Idempotency-Key and its answer are kept, in ms (IDEMPOTENCY_TTL, e.g. 24h, the default). */
  idempotencyTtlMs: number;
  /** A PATCH, DELETE or restore without If-Match answers 428 (REQUIRE_IF_MATCH, default false). */
  requireIfMatch: boolean;
  /** How long the outbox keeps an event, in ms (EVENTS_RETENTION, e.g. 30d, the default). */
  eventsRetentionMs: number;
  /**
   * MariaDB/MySQL: how long after its INSERT (database clock) `GET /events` serves an event, in
   * ms (EVENTS_SETTLE_MS, 0 to 60000, default 1000). README, "Consuming changes".
   */
  eventsSettleMs: number;
  /**
   * Token verification: JWT_SECRET (HS256), JWT_PUBLIC_KEY (RS256), or a development secret;
   * JWT_MAX_TTL, JWT_ISSUER, JWT_AUDIENCE.
   */
  auth: AuthOptions;
  /** WEBHOOK_*: delivery timeout, retry schedule, disabling, lease, poll, SSRF rules (README, "Webhooks"). */
  webhooks: WebhookOptions;
  /** LOG_LEVEL (default info) and LOG_FORMAT (default pretty on a terminal outside production, else json). */
  logging: LoggingOptions;
}

export const DOCS_MODES = ['public', 'auth', 'off'] as const;
export type DocsMode = (typeof DOCS_MODES)[number];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the environment; throws ConfigError naming every bad value.
 * Without JWT_SECRET or JWT_PUBLIC_KEY, and only with NODE_ENV unset, development or test,
 * tokens use `devSecret()`.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  devSecret: () => string = developmentSecret,
  terminal: boolean = process.stdout.isTTY === true,
): AppConfig {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return Number(raw);
  };
  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got "${env[name]}"`);
    return fallback;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name} must be one of ${allowed.join(', ')}, got "${env[name]}"`);
    return fallback;
  };

  let database: DatabaseTarget | undefined;
  try {
    database = parseDatabaseUrl(env.DATABASE_URL);
  } catch (err) {
    problems.push((err as Error).message);
  }
  const config = {
    databaseUrl: redact(env.DATABASE_URL ?? ''),
    // outside production (NODE_ENV unset, development or test: a development secret may be in
    // use and its admin token printed) only this machine may connect unless HOST says otherwise
    host: env.HOST?.trim() || (isDevelopment(env) ? '127.0.0.1' : '0.0.0.0'),
    port: integer('PORT', 3000, 0, 65535),
    runMigrations: boolean('MIGRATIONS_RUN', true),
    poolSize: integer('DB_POOL_SIZE', 10, 1, 1000),
    sqliteSynchronous: oneOf<SqliteSynchronous>(
      'SQLITE_SYNCHRONOUS',
      SQLITE_SYNCHRONOUS_MODES,
      'normal',
    ),
    // SQLite's own cap on the map (SQLITE_MAX_MMAP_SIZE as better-sqlite3 builds it: 0x7fff0000)
    sqliteMmapSize: integer('SQLITE_MMAP_SIZE', 0, 0, 0x7fff0000),
    connectRetries: integer('DB_CONNECT_RETRIES', 10, 0, 1000),
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 102_400, 1024, 100 * 1_048_576),
    requestTimeoutMs: integer('REQUEST_TIMEOUT_MS', 10_000, 100, 600_000),
    keepAliveTimeoutMs: integer('KEEP_ALIVE_TIMEOUT_MS', 72_000, 100, 600_000),
    maxConnections: integer('MAX_CONNECTIONS', 1000, 1, 1_000_000),
    corsOrigins: origins(env.CORS_ORIGINS, problems),
    rateLimitPerMinute: integer('RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
    docs: oneOf<DocsMode>('DOCS', DOCS_MODES, 'public'),
    rateLimitStore: rateLimitStore(env.RATE_LIMIT_STORE, problems),
    rateLimitFailClosed: boolean('RATE_LIMIT_FAIL_CLOSED', false),
    trustProxy: trustProxy(env.TRUST_PROXY, problems),
    idempotencyTtlMs: duration('IDEMPOTENCY_TTL', env.IDEMPOTENCY_TTL, 86_400_000, problems),
    requireIfMatch: boolean('REQUIRE_IF_MATCH', false),
    eventsRetentionMs: duration(
      'EVENTS_RETENTION',
      env.EVENTS_RETENTION,
      30 * 86_400_000,
      problems,
    ),
    eventsSettleMs: integer('EVENTS_SETTLE_MS', 1000, 0, 60_000),
    webhooks: webhookOptions(env, problems, integer, boolean, env.NODE_ENV === 'production'),
    logging: {
      level: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
      format: oneOf<LogFormat>(
        'LOG_FORMAT',
        ['json', 'pretty'],
        terminal && isDevelopment(env) ? 'pretty' : 'json',
      ),
    },
  };
  const auth = authOptions(env, devSecret, problems);
  if (problems.length > 0 || !database || !auth) throw new ConfigError(problems);
  return { ...config, database, auth };
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `24h`, `7d` in milliseconds: from one second to 365 days. */
function duration(
  name: string,
  raw: string | undefined,
  fallback: number,
  problems: string[],
): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const match = /^(\d{1,8})([smhd])$/.exec(raw.trim());
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2]] : NaN;
  if (!(ms >= 1000 && ms <= 365 * 86_400_000)) {
    problems.push(
      `${name} must be a duration such as 90s, 30m, 24h or 7d (1s to 365d), got "${raw}"`,
    );
    return fallback;
  }
  return ms;
}

/** NODE_ENV values under which a development secret may be made; any other needs a real one. */
const DEVELOPMENT_ENVIRONMENTS = ['', 'development', 'test'];

/** True when NODE_ENV is unset, empty, `development` or `test` (exactly). */
export function isDevelopment(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV === undefined || DEVELOPMENT_ENVIRONMENTS.includes(env.NODE_ENV);
}

/** `30s`, `15m`, `24h` or `7d` in seconds; undefined for anything else. */
export function parseDuration(raw: string): number | undefined {
  const match = /^(\d{1,9})([smhd])$/.exec(raw.trim());
  if (!match) return undefined;
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
}

function authOptions(
  env: NodeJS.ProcessEnv,
  devSecret: () => string,
  problems: string[],
): AuthOptions | undefined {
  const secret = env.JWT_SECRET?.trim();
  const publicKey = env.JWT_PUBLIC_KEY?.trim().replace(/\\n/g, '\n');
  const rules = tokenRules(env, problems);
  const development = isDevelopment(env);
  if (secret && publicKey) {
    problems.push('set JWT_SECRET (HS256) or JWT_PUBLIC_KEY (RS256), not both');
  } else if (secret) {
    if (secret.length >= MIN_SECRET_LENGTH)
      return { algorithm: 'HS256', secret, development: false, ...rules };
    problems.push(`JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  } else if (publicKey) {
    const problem = rsaPublicKeyProblem(publicKey);
    if (problem) {
      problems.push(problem);
    } else if (!development && (!rules.issuer || !rules.audience)) {
      problems.push(
        `NODE_ENV=${JSON.stringify(env.NODE_ENV)} with JWT_PUBLIC_KEY needs JWT_ISSUER and JWT_AUDIENCE: ` +
          'without them a token your identity provider issued for another application would be accepted',
      );
    } else {
      return { algorithm: 'RS256', publicKey, development: false, ...rules };
    }
  } else if (!development) {
    problems.push(
      `NODE_ENV=${JSON.stringify(env.NODE_ENV)} needs JWT_SECRET or JWT_PUBLIC_KEY: the development ` +
        'secret is only made when NODE_ENV is unset, development or test',
    );
  } else {
    try {
      return { algorithm: 'HS256', secret: devSecret(), development: true, ...rules };
    } catch (err) {
      problems.push(`the development secret cannot be used: ${(err as Error).message}`);
    }
  }
  return undefined;
}

function tokenRules(env: NodeJS.ProcessEnv, problems: string[]): TokenRules {
  let maxTtlSeconds = DEFAULT_MAX_TTL_SECONDS;
  const rawTtl = env.JWT_MAX_TTL?.trim();
  if (rawTtl) {
    const seconds = parseDuration(rawTtl);
    if (seconds === undefined || seconds < 60 || seconds > 366 * 86400) {
      problems.push(
        `JWT_MAX_TTL must be a duration such as 15m, 24h or 7d, from 1 minute to 366 days, got "${env.JWT_MAX_TTL}"`,
      );
    } else {
      maxTtlSeconds = seconds;
    }
  }
  const issuer = env.JWT_ISSUER?.trim() || undefined;
  const audience = env.JWT_AUDIENCE?.trim() || undefined;
  return { maxTtlSeconds, ...(issuer ? { issuer } : {}), ...(audience ? { audience } : {}) };
}

/** Why pem cannot verify RS256 tokens, or undefined when it can. */
function rsaPublicKeyProblem(pem: string): string | undefined {
  if (/PRIVATE KEY-----/.test(pem)) {
    return 'JWT_PUBLIC_KEY holds a private key: give the service the public key only';
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return 'JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----), and it cannot be read as one';
  }
  if (key.asymmetricKeyType !== 'rsa') {
    return `JWT_PUBLIC_KEY must be an RSA key (tokens are RS256), got an ${key.asymmetricKeyType ?? 'unknown'} key`;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) return `JWT_PUBLIC_KEY must be an RSA key of at least 2048 bits, got ${bits}`;
  return undefined;
}

/**
 * CORS_ORIGINS: exact origins, or `https://*.example.com` for any one-label subdomain of
 * example.com (as a RegExp, which @fastify/cors tests origins against). A `*` anywhere else would
 * never match an origin, so it is refused.
 */
function origins(raw: string | undefined, problems: string[]): Array<string | RegExp> {
  const list = (raw ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  return list.flatMap((origin): Array<string | RegExp> => {
    // `*.` then a domain of two labels or more (never `*.com`), and an optional port
    const wildcard = /^(https?):\/\/\*\.((?:[a-z0-9-]+\.)+[a-z0-9-]+(?::\d{1,5})?)$/i.exec(origin);
    if (wildcard) {
      const rest = wildcard[2].toLowerCase().replace(/[.]/g, '\\.');
      return [new RegExp(`^${wildcard[1].toLowerCase()}:\\/\\/[a-z0-9-]+\\.${rest}$`, 'i')];
    }
    if (origin.includes('*')) {
      problems.push(
        `CORS_ORIGINS: a * may only stand for the first label of a host, as in https://*.example.com, got "${origin}"`,
      );
    } else if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      problems.push(
        `CORS_ORIGINS entries must be origins such as https://app.example.com, got "${origin}"`,
      );
    } else {
      return [origin];
    }
    return [];
  });
}
