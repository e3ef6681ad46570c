import { isDatabaseUnavailable } from './database-errors';

describe('isDatabaseUnavailable', () => {
  it('takes a Galera node that is not ready (joining, or cut off from the primary component) for an outage', () => {
    const driverError = Object.assign(
      new Error('WSREP has not yet prepared node for application use'),
      { code: 'ER_UNKNOWN_COM_ERROR', errno: 1047 },
    );
    expect(isDatabaseUnavailable({ message: 'query failed', driverError })).toBe(true);
  });

  it('does not take a statement the server rejected for one', () => {
    const driverError = Object.assign(new Error('You have an error in your SQL syntax'), {
      code: 'ER_PARSE_ERROR',
      errno: 1064,
    });
    expect(isDatabaseUnavailable({ message: 'query failed', driverError })).toBe(false);
  });
});
