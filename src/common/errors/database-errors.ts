/**
 * Driver error codes that mean "the database is unreachable or overloaded right now",
 * as opposed to a statement the database rejected. They become 503, not 500.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

const UNAVAILABLE_MESSAGES = [
  /pool is closed/i,
  /connection is in closed state/i,
  // TypeORM and better-sqlite3 once the connection has been closed
  /connection is not established/i,
  /the database connection is not open/i,
];

/** True when err (or the driver error it wraps) says the database cannot be reached. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, message, driverError } = e as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
    };
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(message))) {
      return true;
    }
    e = driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}
