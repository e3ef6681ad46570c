import { createConnection, type Connection } from 'mysql2/promise';
import type { Logger as Pino } from 'pino';
import { StartupError } from '../config/startup-error';
import type { ServerTarget } from './database-url';

/** mysql2's errno for the errors that no retry can cure. */
const UNKNOWN_DATABASE = 1049;
const ACCESS_DENIED = 1045;
const DATABASE_ACCESS_DENIED = 1044;
/** MariaDB's answer to a user that has no password when one was given, or the reverse. */
const ACCESS_DENIED_NO_PASSWORD = 1698;

interface DriverError {
  code?: string;
  errno?: number;
  message?: string;
}

/** The target as it is shown in the log: no password. */
export function describeTarget(target: ServerTarget): string {
  return `${target.kind}://${target.username ? `${target.username}@` : ''}${target.host}:${target.port}/${target.database}`;
}

/** Errors a later attempt may not meet: the server is not up yet, or not reachable yet. */
export function isTransientConnectionError(err: unknown): boolean {
  const { code, errno } = (err ?? {}) as DriverError;
  if (
    errno === UNKNOWN_DATABASE ||
    errno === ACCESS_DENIED ||
    errno === ACCESS_DENIED_NO_PASSWORD ||
    errno === DATABASE_ACCESS_DENIED
  )
    return false;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ETIMEDOUT' ||
    code === 'ECONNRESET' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    code === 'EAI_AGAIN' ||
    code === 'ENOTFOUND' ||
    code === 'PROTOCOL_CONNECTION_LOST' ||
    code === 'ER_CON_COUNT_ERROR' ||
    code === 'ER_SERVER_SHUTDOWN'
  );
}

const CREATE_OPTIONS = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci';

/** The one line that says what to do about a permanent error, or undefined for a transient one. */
function permanentProblem(target: ServerTarget, err: unknown): string | undefined {
  const { errno, code, message } = (err ?? {}) as DriverError;
  const where = describeTarget(target);
  if (errno === UNKNOWN_DATABASE)
    return `The database ${target.database} does not exist on ${target.host}:${target.port}. Create it: CREATE DATABASE \`${target.database}\` ${CREATE_OPTIONS};`;
  if (errno === ACCESS_DENIED || errno === ACCESS_DENIED_NO_PASSWORD)
    return `Access denied to ${where}: check the user name and password in DATABASE_URL (${message})`;
  if (errno === DATABASE_ACCESS_DENIED)
    return `The user ${target.username} may not use the database ${target.database} on ${target.host}:${target.port}: GRANT ALL ON \`${target.database}\`.* TO '${target.username}'@'%';`;
  if (!isTransientConnectionError(err))
    return `Cannot use ${where}: ${code ?? 'error'} ${message ?? String(err)}`;
  return undefined;
}

/**
 * A database the migrations have not created tables in yet must default to utf8mb4 (the base
 * migration refuses otherwise). Checked here so that the start ends with the statement to run.
 */
async function charsetProblem(target: ServerTarget, db: Connection): Promise<string | undefined> {
  const [rows] = await db.query(
    'SELECT @@character_set_database AS charset, ' +
      '(SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()) AS tables',
  );
  const [{ charset, tables }] = rows as Array<{ charset: string; tables: number }>;
  if (charset === 'utf8mb4' || Number(tables) > 0) return undefined;
  return `The database ${target.database} on ${target.host}:${target.port} defaults to the character set ${charset}; the tables need utf8mb4. Run: ALTER DATABASE \`${target.database}\` ${CREATE_OPTIONS};`;
}

/**
 * Before the application starts: connects to the MariaDB/MySQL database, logging each failed
 * attempt as it happens, retrying only what a retry can cure (the server not up yet), at most
 * `attempts` times `delayMs` apart. Throws StartupError with one actionable line otherwise.
 */
export async function waitForDatabase(
  target: ServerTarget,
  attempts: number,
  logger: Pino,
  delayMs = 2000,
): Promise<void> {
  const log = logger.child({ context: 'Database' });
  const where = describeTarget(target);
  const total = Math.max(1, attempts);
  let lastCode = 'error';
  for (let attempt = 1; attempt <= total; attempt++) {
    let db: Connection | undefined;
    try {
      db = await createConnection({
        host: target.host,
        port: target.port,
        user: target.username,
        password: target.password,
        database: target.database,
        charset: 'utf8mb4_unicode_ci',
        connectTimeout: 2000,
      });
      const problem = await charsetProblem(target, db);
      if (problem) throw new StartupError(problem);
      if (attempt > 1) log.info(`Connected to ${where} at attempt ${attempt}`);
      return;
    } catch (err) {
      if (err instanceof StartupError) throw err;
      const problem = permanentProblem(target, err);
      if (problem) throw new StartupError(problem);
      const { code, message } = err as DriverError;
      lastCode = code ?? 'error';
      const next = attempt < total ? `; next attempt in ${delayMs / 1000} s` : '';
      log.warn(
        `Connecting to ${where}: attempt ${attempt} of ${total} failed: ${lastCode} (${message})${next}`,
      );
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
      if (attempt < total) await new Promise((resolve) => setTimeout(resolve, delayMs));
    } finally {
      await db?.end().catch(() => undefined);
    }
  }
  throw new StartupError(
    `Cannot reach ${where}: ${lastCode} after ${total} attempts (DB_CONNECT_RETRIES)`,
  );
}
