import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { freePort, runAppToExit } from './setup/app-process';
import { assertTestDatabaseName, mariadbAdminUrl } from './setup/test-database';

/** The server of the e2e suites, with another user, password or database. */
function urlWith(changes: { username?: string; password?: string; database: string }): string {
  const url = new URL(mariadbAdminUrl());
  if (changes.username !== undefined) url.username = changes.username;
  if (changes.password !== undefined) url.password = changes.password;
  url.pathname = `/${changes.database}`;
  return url.toString();
}

/**
 * Errors no retry can cure are not retried: the service stops at the first attempt with one line
 * that says what to run or to check, and exits 1.
 */
describe('start-up against a database that is not right (MariaDB)', () => {
  let cwd: string;
  const server = new URL(mariadbAdminUrl());
  const hostPort = `${server.hostname}:${server.port || 3306}`;

  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'test_start_up_'));
  });

  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  const start = async (url: string) =>
    runAppToExit({ DATABASE_URL: url, DB_CONNECT_RETRIES: '5' }, await freePort(), cwd);

  it('an unknown database: the CREATE DATABASE to run, no retry', async () => {
    const name = `test_missing_${process.pid}`;
    const run = await start(urlWith({ database: name }));
    expect(run.exit).toBe(1);
    expect(run.stdout).not.toContain('attempt');
    expect(run.stderr.trim()).toBe(
      `The database ${name} does not exist on ${hostPort}. Create it: CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
    );
  });

  it('a wrong password: check DATABASE_URL, no retry', async () => {
    const run = await start(
      urlWith({ username: 'no_such_user', password: 'wrong', database: 'test' }),
    );
    expect(run.exit).toBe(1);
    expect(run.stdout).not.toContain('attempt');
    expect(run.stderr.trim()).toMatch(
      new RegExp(
        `^Access denied to mariadb://no_such_user@${hostPort.replace('.', '\\.')}/test: check the user name and password in DATABASE_URL \\(Access denied for user 'no_such_user'`,
      ),
    );
    expect(run.stderr).not.toContain('wrong');
  });

  it('a new database in latin1: the ALTER DATABASE to run, no migration', async () => {
    const name = `test_latin1_${process.pid}`;
    assertTestDatabaseName(name);
    const admin = await createConnection(mariadbAdminUrl());
    try {
      await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET latin1`);
      const run = await start(urlWith({ database: name }));
      expect(run.exit).toBe(1);
      expect(run.stderr.trim()).toBe(
        `The database ${name} on ${hostPort} defaults to the character set latin1; the tables need utf8mb4. Run: ALTER DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
      );
      const [tables] = await admin.query(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = ?',
        [name],
      );
      expect(tables).toEqual([]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    }
  });
});
