import { DatabaseTarget, parseDatabaseUrl, redact } from '../database/database-url';

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
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment; throws ConfigError naming every bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
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
  };
  if (problems.length > 0 || !database) throw new ConfigError(problems);
  return { ...config, database };
}
