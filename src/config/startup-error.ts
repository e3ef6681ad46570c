/**
 * A reason the service cannot start that the person starting it can fix (a port in use, a
 * database that does not exist, a wrong password): main.ts prints its message, one line that
 * says what to do, without a stack trace, and exits with 1.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
