import { developmentSecret, type AuthOptions } from '../auth/auth.options';
import { DatabaseTarget, parseDatabaseUrl, redact } from '../database/database-url';
import { LOG_LEVELS, type LogFormat, type LoggingOptions } from '../logging/logging.options';
import {
  rateLimitStore,
  trustProxy,
  type RateLimitStore,
  type TrustProxy,
} from '../rate-limit/rate-limit.config';

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
  /** How often to retry the first connection at start (DB_CONNECT_RETRIES, default 10, 2 s apart). */
  connectRetries: number;
  /** Largest request body in bytes (BODY_LIMIT_BYTES, default 1 MiB). */
  bodyLimitBytes: number;
  /** Origins allowed to call the API from a browser (CORS_ORIGINS, comma-separated; none by default). */
  corsOrigins: string[];
  /** Requests per minute and client address (RATE_LIMIT_PER_MINUTE, default 600; 0 turns it off). */
  rateLimitPerMinute: number;
  /** Where the rate limit counts (RATE_LIMIT_STORE: memory, the default, or redis://host:port). */
  rateLimitStore: RateLimitStore;
  /** Refuse requests (503) while the rate limit's Redis is unreachable (RATE_LIMIT_FAIL_CLOSED). */
  rateLimitFailClosed: boolean;
  /** Proxies whose X-Forwarded-For names the client (TRUST_PROXY: addresses or a hop count). */
  trustProxy: TrustProxy;
  /** Token verification: JWT_SECRET (HS256), JWT_PUBLIC_KEY (RS256), or a development secret. */
  auth: AuthOptions;
  /** LOG_LEVEL (default info) and LOG_FORMAT (default pretty on a terminal outside production, else json). */
  logging: LoggingOptions;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the environment; throws ConfigError naming every bad value.
 * Without JWT_SECRET or JWT_PUBLIC_KEY, outside production, tokens use `devSecret()`.
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
    host: env.HOST?.trim() || '0.0.0.0',
    port: integer('PORT', 3000, 0, 65535),
    runMigrations: boolean('MIGRATIONS_RUN', true),
    poolSize: integer('DB_POOL_SIZE', 10, 1, 1000),
    connectRetries: integer('DB_CONNECT_RETRIES', 10, 0, 1000),
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 1_048_576, 1024, 100 * 1_048_576),
    corsOrigins: origins(env.CORS_ORIGINS, problems),
    rateLimitPerMinute: integer('RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
    rateLimitStore: rateLimitStore(env.RATE_LIMIT_STORE, problems),
    rateLimitFailClosed: boolean('RATE_LIMIT_FAIL_CLOSED', false),
    trustProxy: trustProxy(env.TRUST_PROXY, problems),
    logging: {
      level: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
      format: oneOf<LogFormat>(
        'LOG_FORMAT',
        ['json', 'pretty'],
        terminal && env.NODE_ENV !== 'production' ? 'pretty' : 'json',
      ),
    },
  };
  const auth = authOptions(env, devSecret, problems);
  if (problems.length > 0 || !database || !auth) throw new ConfigError(problems);
  return { ...config, database, auth };
}

const MIN_SECRET_LENGTH = 32;

function authOptions(
  env: NodeJS.ProcessEnv,
  devSecret: () => string,
  problems: string[],
): AuthOptions | undefined {
  const secret = env.JWT_SECRET?.trim();
  const publicKey = env.JWT_PUBLIC_KEY?.trim().replace(/\\n/g, '\n');
  if (secret && publicKey) {
    problems.push('set JWT_SECRET (HS256) or JWT_PUBLIC_KEY (RS256), not both');
  } else if (secret) {
    if (secret.length >= MIN_SECRET_LENGTH)
      return { algorithm: 'HS256', secret, development: false };
    problems.push(`JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  } else if (publicKey) {
    if (publicKey.includes('-----BEGIN PUBLIC KEY-----')) {
      return { algorithm: 'RS256', publicKey, development: false };
    }
    problems.push('JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)');
  } else if (env.NODE_ENV === 'production') {
    problems.push(
      'NODE_ENV=production needs JWT_SECRET or JWT_PUBLIC_KEY: the service will not run with a development secret',
    );
  } else {
    return { algorithm: 'HS256', secret: devSecret(), development: true };
  }
  return undefined;
}

function origins(raw: string | undefined, problems: string[]): string[] {
  const list = (raw ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of list) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      problems.push(
        `CORS_ORIGINS entries must be origins such as https://app.example.com, got "${origin}"`,
      );
    }
  }
  return list;
}
