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

/**
 * `PRAGMA synchronous` of the SQLite writing connection, in WAL mode: `normal` syncs the WAL at
 * each checkpoint only, so a power loss may undo the last commits (never corrupt the file);
 * `full` syncs it at every commit.
 */
export const SQLITE_SYNCHRONOUS_MODES = ['normal', 'full'] as const;
export type SqliteSynchronous = (typeof SQLITE_SYNCHRONOUS_MODES)[number];

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
  const server = splitServerUrl(value);
  if (!server) throw new InvalidDatabaseUrlError('it is not a URL');
  if (server.scheme !== 'mysql' && server.scheme !== 'mariadb') {
    throw new InvalidDatabaseUrlError(`unsupported scheme "${server.scheme}:"`);
  }
  let parsed: URL;
  try {
    // the user and password are taken apart by splitServerUrl: a password may hold / @ : as typed
    parsed = new URL(`${server.scheme}://${server.rest}`);
  } catch {
    throw new InvalidDatabaseUrlError('its host, port or database name cannot be read');
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) {
    throw new InvalidDatabaseUrlError('the URL must name one database, as in /dbname');
  }
  if (parsed.hostname === '') throw new InvalidDatabaseUrlError('the URL has no host');
  if (parsed.username !== '' || parsed.password !== '') {
    throw new InvalidDatabaseUrlError('its host, port or database name cannot be read');
  }
  const port = parsed.port === '' ? 3306 : Number(parsed.port);
  return {
    kind: server.scheme,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    username: decoded(server.username) || 'root',
    password: decoded(server.password ?? ''),
    database,
  };
}

/**
 * `scheme://user:password@rest` taken apart by hand: the credentials end at the last `@`, the
 * user name at the first `:` of them, so that a password that was not percent-encoded (holding
 * `/`, `@` or `:`) is still found, and never shown.
 */
function splitServerUrl(
  value: string,
): { scheme: string; username: string; password?: string; rest: string } | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is.exec(value);
  if (!match) return undefined;
  const at = match[2].lastIndexOf('@');
  const credentials = at < 0 ? '' : match[2].slice(0, at);
  const colon = credentials.indexOf(':');
  return {
    scheme: match[1].toLowerCase(),
    username: colon < 0 ? credentials : credentials.slice(0, colon),
    password: colon < 0 ? undefined : credentials.slice(colon + 1),
    rest: match[2].slice(at + 1),
  };
}

/** Percent-decoded when it is valid percent-encoding, else as typed. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The URL with its password replaced, safe to print; anything else is printed as it is. */
export function redact(url: string): string {
  const server = splitServerUrl(url.trim());
  if (!server || server.password === undefined) return url;
  return `${server.scheme}://${server.username}:***@${server.rest}`;
}
