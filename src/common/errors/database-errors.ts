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
  // a Galera node that is joining, or cut off from the cluster's primary component (error 1047)
  /WSREP has not yet prepared node for application use/i,
];

/**
 * True when `test` holds for err or for an error it wraps: TypeORM's QueryFailedError wraps the
 * driver's error as `driverError`, others as `cause`; the chain is followed at most 4 deep.
 */
export function someInErrorChain(err: unknown, test: (e: ErrorFields) => boolean): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const fields = e as ErrorFields & { driverError?: unknown; cause?: unknown };
    if (test(fields)) return true;
    e = fields.driverError ?? fields.cause;
  }
  return false;
}

/** The fields of a driver's error that the tests here read (any of them may be absent). */
export interface ErrorFields {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
}

/** True when err (or the driver error it wraps) says the database cannot be reached. */
export function isDatabaseUnavailable(err: unknown): boolean {
  return someInErrorChain(
    err,
    ({ code, message }) =>
      (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) ||
      (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(message))),
  );
}

/**
 * Errors after which re-running the whole transaction can succeed: a deadlock, or on a Galera
 * cluster a transaction aborted at certification by a conflicting one from another node (both
 * reported as ER_LOCK_DEADLOCK), or a row changed since it was read (ER_CHECKREAD).
 */
const RETRYABLE_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_CHECKREAD']);
const RETRYABLE_ERRNOS = new Set([1213, 1020]);

export function isRetryableConflict(err: unknown): boolean {
  return someInErrorChain(
    err,
    ({ code, errno }) =>
      (typeof code === 'string' && RETRYABLE_CODES.has(code)) ||
      (typeof errno === 'number' && RETRYABLE_ERRNOS.has(errno)),
  );
}

/** True when err (or the driver error it wraps) is a unique key violation. */
export function isDuplicateKey(err: unknown): boolean {
  return someInErrorChain(
    err,
    ({ code, errno }) =>
      code === 'ER_DUP_ENTRY' ||
      errno === 1062 ||
      code === 'SQLITE_CONSTRAINT_UNIQUE' ||
      code === 'SQLITE_CONSTRAINT_PRIMARYKEY',
  );
}

/**
 * True when err (or the driver error it wraps) is a row lock not granted in time (1205). For the
 * Idempotency-Key's claim in its effect's transaction, which waits at most a second for a row
 * lock (SqlDialect.shortLockWait): another transaction holds the same key, uncommitted.
 */
export function isLockWaitTimeout(err: unknown): boolean {
  return someInErrorChain(
    err,
    ({ code, errno }) => code === 'ER_LOCK_WAIT_TIMEOUT' || errno === 1205,
  );
}
