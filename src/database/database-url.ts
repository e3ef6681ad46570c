import { isAbsolute, resolve } from 'node:path';

/** The database engines the service runs on; everything else is rejected at start. */
export type DatabaseKind = 'sqlite' | 'mysql' | 'mariadb';

export interface SqliteTarget {
  kind: 'sqlite';
  /** Absolute path of the database file. */
  file: string;
}

export interface ServerTarget {
  kind: 'mysql' | 'mariadb';
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
}

export type DatabaseTarget = SqliteTarget | ServerTarget;

export const DEFAULT_DATABASE_URL = 'sqlite:data/app.sqlite';

export class InvalidDatabaseUrlError extends Error {
  constructor(reason: string) {
    super(
      `DATABASE_URL is invalid: ${reason}. Use mysql://user:password@host:3306/db, ` +
        `mariadb://user:password@host:3306/db or sqlite:<path> (default ${DEFAULT_DATABASE_URL}).`,
    );
    this.name = 'InvalidDatabaseUrlError';
  }
}

/**
 * Parses DATABASE_URL. `sqlite:<path>` is relative to the working directory;
 * `mysql://` selects TypeORM's mysql driver, `mariadb://` its mariadb one (both use mysql2).
 */
export function parseDatabaseUrl(
  url: string | undefined,
  cwd: string = process.cwd(),
): DatabaseTarget {
  const value = url === undefined || url.trim() === '' ? DEFAULT_DATABASE_URL : url.trim();
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new InvalidDatabaseUrlError('sqlite: needs a file path');
    return { kind: 'sqlite', file: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new InvalidDatabaseUrlError(`"${redact(value)}" is not a URL`);
  }
  const protocol = parsed.protocol.replace(/:$/, '');
  if (protocol !== 'mysql' && protocol !== 'mariadb') {
    throw new InvalidDatabaseUrlError(`unsupported scheme "${protocol}:"`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) {
    throw new InvalidDatabaseUrlError('the URL must name one database, as in /dbname');
  }
  if (parsed.hostname === '') throw new InvalidDatabaseUrlError('the URL has no host');
  const port = parsed.port === '' ? 3306 : Number(parsed.port);
  return {
    kind: protocol,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    username: decodeURIComponent(parsed.username) || 'root',
    password: decodeURIComponent(parsed.password),
    database,
  };
}

/** The URL with its password replaced, safe to print. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}
