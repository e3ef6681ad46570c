import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, spawnApp, waitUntil, type AppProcess } from './setup/app-process';
import { adminHeaders, TEST_JWT_SECRET } from './setup/auth';
import { rawExchange } from './setup/raw-http';
import { rejectUpdatesOf } from './setup/reject-updates';
import { createTestDatabase, type TestDatabase } from './setup/test-database';

type LogLine = Record<string, unknown> & { reqId?: string; msg?: string; level?: number };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const run = promisify(execFile);

describe('Structured logs (e2e)', () => {
  let database: TestDatabase;
  let app: AppProcess;

  beforeAll(async () => {
    database = await createTestDatabase('logging');
    app = await spawnApp({ DATABASE_URL: database.url, LOG_LEVEL: 'info' }, await freePort());
  });

  afterAll(async () => {
    await app?.kill();
    await database?.drop();
  });

  /** Every stdout line, parsed: one that is not a JSON object fails the test. */
  function logLines(process: AppProcess = app): LogLine[] {
    return process
      .stdout()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as LogLine;
        } catch {
          throw new Error(`a log line is not JSON: ${line}`);
        }
      });
  }

  /** The lines of one request, once its request line (written when the answer went out) is there. */
  async function linesOf(reqId: string): Promise<LogLine[]> {
    const lines = () => logLines().filter((line) => line.reqId === reqId);
    await waitUntil(() => lines().some((line) => typeof line.responseTime === 'number'));
    return lines();
  }

  function call(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${app.url}${path}`, {
      ...init,
      headers: adminHeaders(init.headers as Record<string, string>),
    });
  }

  it('writes one JSON object a line, and the request line carries the id sent back in X-Request-Id', async () => {
    const res = await call('/workflows/424242', { headers: { 'x-request-id': 'client-trace.42' } });

    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('client-trace.42');
    const [line] = await linesOf('client-trace.42');
    expect(line).toMatchObject({
      level: 30,
      msg: 'GET /workflows/424242 404',
      req: { method: 'GET', url: '/workflows/424242', remoteAddress: '127.0.0.1' },
      res: { statusCode: 404 },
    });
    expect(logLines().length).toBeGreaterThan(1);
  });

  it.each([
    ['no X-Request-Id', undefined],
    ['one with a space', 'two words'],
    ['one with quotes', '"forged":"field"'],
    ['one of 200 characters', 'x'.repeat(200)],
  ])('makes a new id (a UUID) when the caller sends %s', async (_case, sent) => {
    const res = await call('/health', { headers: sent ? { 'x-request-id': sent } : {} });

    const id = res.headers.get('x-request-id') ?? '';
    expect(id).toMatch(UUID);
    expect(await linesOf(id)).toEqual([expect.objectContaining({ msg: 'GET /health 200' })]);
  });

  it('sends an X-Request-Id also when the router refuses a malformed URL', async () => {
    const res = await call('/workflows/%E0%A4%A');

    expect(res.status).toBe(400);
    expect(res.headers.get('x-request-id')).toMatch(UUID);
  });

  it('puts the request id on every line logged while the request runs (here: a failed cascade)', async () => {
    const workflow = (await (
      await call('/workflows', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'logged' }),
      })
    ).json()) as { id: number };
    await call('/todos', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'linked', ownerId: 1, workflowId: workflow.id }),
    });
    const db = await database.connect();
    const allowUpdates = await rejectUpdatesOf(db, database.kind, 'todos');
    let res: Response;
    try {
      res = await call(`/workflows/${workflow.id}`, { method: 'DELETE' });
    } finally {
      await allowUpdates();
      await db.destroy();
    }

    expect(res.status).toBe(500);
    const id = res.headers.get('x-request-id') ?? '';
    const lines = await linesOf(id);
    expect(lines).toEqual(
      expect.arrayContaining([
        // the error filter's line, logged inside the request
        expect.objectContaining({ level: 50, context: 'Errors' }),
        // the request line
        expect.objectContaining({ level: 50, msg: `DELETE /workflows/${workflow.id} 500` }),
      ]),
    );
    // the error's kind, message and stack, but not the statement's parameters (client data)
    const errorLine = lines.find((line) => line.context === 'Errors');
    expect(Object.keys(errorLine?.err as object).sort()).toEqual([
      'code',
      'message',
      'stack',
      'type',
    ]);
    expect(errorLine?.err).toMatchObject({
      type: 'QueryFailedError',
      message: expect.stringContaining('rejected by test trigger'),
    });
    expect(JSON.stringify(errorLine)).not.toMatch(/parameters|driverError/);
    // nothing about this failure was logged without the request's id
    const failureLines = logLines().filter((line) =>
      JSON.stringify(line).includes('rejected by test trigger'),
    );
    expect(failureLines.length).toBeGreaterThan(0);
    for (const line of failureLines) expect(line.reqId).toBe(id);
  });

  it('never logs a token, a secret or request headers', async () => {
    const token = adminHeaders().authorization.replace('Bearer ', '');
    await call('/workflows', { headers: { cookie: 'session=cookie-value-1234' } });
    const output = app.output();

    expect(output).not.toContain(token.split('.')[2]);
    expect(output).not.toContain(TEST_JWT_SECRET);
    expect(output).not.toContain('cookie-value-1234');
    for (const line of logLines()) {
      expect(JSON.stringify(line)).not.toMatch(/authorization|headers/i);
    }
  });

  it('logs the path and the query without its values: a token sent in the query string stays out', async () => {
    const token = adminHeaders().authorization.replace('Bearer ', '');
    const res = await call(`/workflows?access_token=${token}&limit=5`, {
      headers: { 'x-request-id': 'query-token-1' },
    });

    expect(res.status).toBe(400);
    const [line] = await linesOf('query-token-1');
    expect(line).toMatchObject({
      msg: 'GET /workflows?access_token=***&limit=*** 400',
      req: { url: '/workflows?access_token=***&limit=***' },
    });
    expect(app.output()).not.toContain(token.split('.')[2]);
  });

  it("logs what Node's HTTP server answers itself (here malformed HTTP), with the id it sends back", async () => {
    const res = await rawExchange(Number(new URL(app.url).port), 'NOT-HTTP at all\r\n\r\n');

    expect(res.status).toBe(400);
    const id = res.headers['x-request-id'];
    expect(id).toMatch(UUID);
    await waitUntil(() => logLines().some((line) => line.reqId === id));
    expect(logLines().filter((line) => line.reqId === id)).toEqual([
      expect.objectContaining({
        level: 30,
        msg: expect.stringMatching(/^client error 400 \(HPE_/),
        res: { statusCode: 400 },
      }),
    ]);
  });

  it.each([
    ['a plain password', 'mariadb://app:hunter2-in-the-url@127.0.0.1:1/app', 'hunter2-in-the-url'],
    [
      'a / in the password',
      'mariadb://app:Pw/S3cret-in-the-url@127.0.0.1:1/app',
      'S3cret-in-the-url',
    ],
    ['an @ in the password', 'mariadb://app:p@ss-in-the-url@127.0.0.1:1/app', 'ss-in-the-url'],
    ['no user name', 'mariadb://:only-a-password@127.0.0.1:1/app', 'only-a-password'],
  ])(
    'shows a DATABASE_URL password as *** when the database cannot be reached at start (%s)',
    async (_case, url, secret) => {
      const start = run(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', 'src/main.ts'],
        {
          cwd: join(__dirname, '..'),
          env: {
            ...process.env,
            DATABASE_URL: url,
            DB_CONNECT_RETRIES: '0',
            JWT_SECRET: TEST_JWT_SECRET,
            PORT: '0',
            TS_NODE_PROJECT: 'tsconfig.json',
          },
          timeout: 30_000,
        },
      );

      const failure = (await start.then(
        () => ({ code: 0, stdout: '', stderr: '' }),
        (err: unknown) => err,
      )) as { code: number; stdout: string; stderr: string };
      expect(failure.code).toBe(1);
      expect(failure.stdout + failure.stderr).toMatch(/127\.0\.0\.1/);
      expect(failure.stdout + failure.stderr).not.toContain(secret);
    },
  );

  it('LOG_FORMAT=pretty writes readable lines, still with the request id', async () => {
    const prettyDatabase = await createTestDatabase('logging_pretty');
    const pretty = await spawnApp(
      { DATABASE_URL: prettyDatabase.url, LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' },
      await freePort(),
    );
    try {
      const res = await fetch(`${pretty.url}/health`, {
        headers: { 'x-request-id': 'pretty-1' },
      });
      expect(res.status).toBe(200);
      await waitUntil(() => pretty.stdout().includes('pretty-1'));
      const line = pretty
        .stdout()
        .split('\n')
        .find((l) => l.includes('pretty-1'));
      expect(line).toMatch(/^\[[\d:.]+\] INFO: GET \/health 200 .*"reqId":"pretty-1"/);
    } finally {
      await pretty.kill();
      await prettyDatabase.drop();
    }
  });
});
