import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runAppToExit } from './setup/app-process';

/** The JSON log lines a spawned service wrote on stdout. */
function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * A start that cannot succeed ends with one line that says what to do, and exit code 1: the port
 * is taken, or the database server does not answer (each attempt logged as it happens).
 */
describe('a start that cannot succeed (the service as a process)', () => {
  let cwd: string;

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'test_start_up_'));
  });

  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('says "port N is in use: set PORT" and exits 1 before touching the database', async () => {
    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      const run = await runAppToExit({ DATABASE_URL: undefined }, port, cwd);
      expect(run.exit).toBe(1);
      expect(run.stderr.trim()).toBe(`port ${port} is in use: set PORT`);
      expect(run.stdout).not.toMatch(/successfully started|Serving on/);
      // the default SQLite file would be under data/: no migration ran, nothing was created
      expect(existsSync(join(cwd, 'data'))).toBe(false);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('logs each failed connection attempt, then one line naming DB_CONNECT_RETRIES', async () => {
    const closed = await freePort();
    const url = `mariadb://someone:secret@127.0.0.1:${closed}/recruiting`;
    const run = await runAppToExit(
      { DATABASE_URL: url, DB_CONNECT_RETRIES: '2' },
      await freePort(),
      cwd,
    );
    expect(run.exit).toBe(1);
    const attempts = logLines(run.stdout).filter((line) => line.context === 'Database');
    expect(attempts.map((line) => [line.level, line.msg])).toEqual([
      [
        40,
        `Connecting to mariadb://someone@127.0.0.1:${closed}/recruiting: attempt 1 of 2 failed: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${closed}); next attempt in 2 s`,
      ],
      [
        40,
        `Connecting to mariadb://someone@127.0.0.1:${closed}/recruiting: attempt 2 of 2 failed: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${closed})`,
      ],
    ]);
    expect(run.stderr.trim()).toBe(
      `Cannot reach mariadb://someone@127.0.0.1:${closed}/recruiting: ECONNREFUSED after 2 attempts (DB_CONNECT_RETRIES)`,
    );
    // the password is in no line
    expect(run.stdout + run.stderr).not.toContain('secret');
  });
});
