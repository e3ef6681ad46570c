import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, spawnApp, TS_NODE, waitUntil, type AppProcess } from './setup/app-process';

const ROOT = join(__dirname, '..');
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

/**
 * What a new user gets from `npm start` with no configuration at all: SQLite under data/ of the
 * working directory, a development secret, a ready admin token, the Swagger URL; and what
 * `npm run token` signs. Runs in a fresh directory of its own, so nothing of the project's
 * data/ is touched.
 */
describe('npm start with no configuration (e2e, SQLite)', () => {
  let cwd: string;
  let app: AppProcess | undefined;
  const unconfigured = {
    JWT_SECRET: undefined,
    JWT_PUBLIC_KEY: undefined,
    DATABASE_URL: undefined,
    NODE_ENV: undefined,
    LOG_LEVEL: 'info',
  };

  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'test_out_of_the_box_'));
  });

  afterAll(async () => {
    if (app && app.child.exitCode === null) await app.kill();
    rmSync(cwd, { recursive: true, force: true });
  });

  async function call(token: string, method: string, path: string, body?: object) {
    const res = await fetch(`${app!.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function printedToken(): Promise<string> {
    await waitUntil(() => JWT.test(app!.output()));
    return JWT.exec(app!.output())?.[0] ?? '';
  }

  it('serves on SQLite under data/, prints the Swagger URL and an admin token that works', async () => {
    app = await spawnApp(unconfigured, await freePort(), cwd);
    const token = await printedToken();

    expect(app.output()).toMatch(/Admin token for Swagger's Authorize button/);
    expect(app.stdout()).toMatch(/Swagger UI at http:\/\/127\.0\.0\.1:\d+\/docs/);
    // the token is written beside the log, never into it
    expect(app.stdout()).not.toContain(token);
    expect(existsSync(join(cwd, 'data', 'app.sqlite'))).toBe(true);
    expect(statSync(join(cwd, 'data', 'dev-jwt-secret')).mode & 0o777).toBe(0o600);
    // the database and its WAL files hold candidate data: readable by their owner only
    for (const file of ['app.sqlite', 'app.sqlite-wal', 'app.sqlite-shm']) {
      expect([file, statSync(join(cwd, 'data', file)).mode & 0o777]).toEqual([file, 0o600]);
    }
    expect(statSync(join(cwd, 'data')).mode & 0o777).toBe(0o700);
    const created = await call(token, 'POST', '/workflows', { name: 'First workflow' });
    expect(created).toMatchObject({ status: 201, body: { name: 'First workflow', createdBy: 1 } });
    expect((await fetch(`${app.url}/docs`)).status).toBe(200);
  });

  it('npm run token -- --sub 42 --role editor signs with the same development secret', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', TS_NODE, join(ROOT, 'src', 'cli', 'token.ts'), '--sub', '42', '--role', 'editor'],
      {
        cwd,
        env: { ...process.env, ...unconfigured, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
      },
    );
    const token = stdout.trim();
    expect(token).toMatch(JWT);

    const created = await call(token, 'POST', '/todos', { title: 'Call back', ownerId: 42 });
    expect(created.status).toBe(201);
    const workflow = await call(token, 'POST', '/workflows', { name: 'By the editor' });
    expect(workflow.body.createdBy).toBe(42);
    // an editor may soft-delete but not restore
    expect((await call(token, 'DELETE', `/workflows/${String(workflow.body.id)}`)).status).toBe(
      200,
    );
    const restore = await call(token, 'POST', `/workflows/${String(workflow.body.id)}/restore`);
    expect(restore.status).toBe(403);
  });

  it('npm run token with no arguments prints the usage and exits 1; --help prints it and exits 0', async () => {
    const token = (...args: string[]) =>
      promisify(execFile)(
        process.execPath,
        ['-r', TS_NODE, join(ROOT, 'src', 'cli', 'token.ts'), ...args],
        {
          cwd,
          env: { ...process.env, ...unconfigured, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
        },
      );
    const usage = /^usage: npm run token -- --sub <user id> --role <viewer\|editor\|admin>/m;
    const bare = await token().then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(usage);
    expect(bare.stdout).not.toMatch(JWT);
    const help = await token('--help');
    expect(help.stdout).toMatch(usage);
    expect(help.stdout).not.toMatch(JWT);
    await expect(token('--sub', '3')).rejects.toMatchObject({
      code: 1,
      stderr: '--role is required: viewer, editor or admin\n',
    });
    await expect(token('--bogus')).rejects.toMatchObject({
      code: 1,
      stderr: 'unknown option --bogus (npm run token -- --help)\n',
    });
  });

  it('keeps the development secret across restarts, so earlier tokens stay valid', async () => {
    const before = await printedToken();
    await app!.kill();
    app = await spawnApp(unconfigured, await freePort(), cwd);

    const listed = await call(before, 'GET', '/workflows');
    expect(listed.status).toBe(200);
    // the data survived too: the first workflow (the editor's was soft-deleted)
    expect(listed.body.items).toEqual([expect.objectContaining({ name: 'First workflow' })]);
  });
});
