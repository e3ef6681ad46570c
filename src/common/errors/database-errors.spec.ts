import {
  isDatabaseUnavailable,
  isDuplicateKey,
  isLockWaitTimeout,
  isRetryableConflict,
  someInErrorChain,
} from './database-errors';

/** TypeORM's QueryFailedError as it wraps a driver's error. */
function queryFailed(driverError: Error): object {
  return { message: 'query failed', driverError };
}

function driverError(message: string, code: string, errno?: number): Error {
  return Object.assign(new Error(message), { code, errno });
}

describe('someInErrorChain', () => {
  it('tests the error, then what it wraps as driverError or cause, at most 4 deep', () => {
    const seen: unknown[] = [];
    const deepest = { code: 'D' };
    const chain = { code: 'A', driverError: { code: 'B', cause: { code: 'C', cause: deepest } } };
    expect(
      someInErrorChain(chain, (e) => {
        seen.push(e.code);
        return false;
      }),
    ).toBe(false);
    expect(seen).toEqual(['A', 'B', 'C', 'D']);
    expect(someInErrorChain(chain, (e) => e.code === 'D')).toBe(true);
    expect(
      someInErrorChain({ cause: { cause: { cause: { cause: deepest } } } }, (e) => e.code === 'D'),
    ).toBe(false);
  });

  it('prefers driverError to cause, and stops at a value that is not an object', () => {
    const chain = { driverError: { code: 'X' }, cause: { code: 'Y' } };
    expect(someInErrorChain(chain, (e) => e.code === 'Y')).toBe(false);
    expect(someInErrorChain(chain, (e) => e.code === 'X')).toBe(true);
    expect(someInErrorChain(undefined, () => true)).toBe(false);
    expect(someInErrorChain('ER_DUP_ENTRY', () => true)).toBe(false);
  });
});

describe('isDatabaseUnavailable', () => {
  it('takes a Galera node that is not ready (joining, or cut off from the primary component) for an outage', () => {
    const err = driverError(
      'WSREP has not yet prepared node for application use',
      'ER_UNKNOWN_COM_ERROR',
      1047,
    );
    expect(isDatabaseUnavailable(queryFailed(err))).toBe(true);
  });

  it('takes a refused connection for one, by its code', () => {
    expect(isDatabaseUnavailable(queryFailed(driverError('connect', 'ECONNREFUSED')))).toBe(true);
  });

  it('does not take a statement the server rejected for one', () => {
    const err = driverError('You have an error in your SQL syntax', 'ER_PARSE_ERROR', 1064);
    expect(isDatabaseUnavailable(queryFailed(err))).toBe(false);
  });
});

describe('isRetryableConflict', () => {
  it('takes a deadlock (or a Galera certification failure) and a changed read for one', () => {
    expect(isRetryableConflict(queryFailed(driverError('deadlock', 'ER_LOCK_DEADLOCK')))).toBe(
      true,
    );
    expect(isRetryableConflict({ errno: 1020 })).toBe(true);
  });

  it('does not take a duplicate key for one', () => {
    expect(isRetryableConflict(queryFailed(driverError('dup', 'ER_DUP_ENTRY', 1062)))).toBe(false);
  });
});

describe('isDuplicateKey', () => {
  it('takes MariaDB/MySQL 1062 and SQLite unique and primary key violations', () => {
    expect(isDuplicateKey(queryFailed(driverError('dup', 'ER_DUP_ENTRY', 1062)))).toBe(true);
    expect(isDuplicateKey({ cause: { errno: 1062 } })).toBe(true);
    expect(isDuplicateKey(queryFailed(driverError('unique', 'SQLITE_CONSTRAINT_UNIQUE')))).toBe(
      true,
    );
    expect(isDuplicateKey(driverError('pk', 'SQLITE_CONSTRAINT_PRIMARYKEY'))).toBe(true);
  });

  it('does not take another constraint for one', () => {
    expect(isDuplicateKey(driverError('fk', 'SQLITE_CONSTRAINT_FOREIGNKEY'))).toBe(false);
  });
});

describe('isLockWaitTimeout', () => {
  it('takes 1205 for one, by its code or its number', () => {
    expect(isLockWaitTimeout(queryFailed(driverError('wait', 'ER_LOCK_WAIT_TIMEOUT', 1205)))).toBe(
      true,
    );
    expect(isLockWaitTimeout({ errno: 1205 })).toBe(true);
  });

  it('does not take a deadlock for one', () => {
    expect(isLockWaitTimeout(driverError('deadlock', 'ER_LOCK_DEADLOCK', 1213))).toBe(false);
  });
});
