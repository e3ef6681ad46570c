import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expectErrorShape } from './setup/fixtures';
import { startTestApp, type TestApp } from './setup/test-app';

const run = promisify(execFile);

describe('Hardening (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('hardening', {
      CORS_ORIGINS: 'https://recruiting.example.com',
      RATE_LIMIT_PER_MINUTE: '25',
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('sends security headers, with a content security policy that Swagger UI works under', async () => {
    const res = await t.http.get('/health').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    const docs = await t.http.get('/docs').expect(200);
    expect(docs.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(docs.headers['content-security-policy']).toMatch(/script-src 'self'/);
  });

  it('allows cross-origin calls from the configured origins only', async () => {
    const allowed = await t.http
      .options('/workflows')
      .set('origin', 'https://recruiting.example.com')
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'authorization,content-type');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://recruiting.example.com');
    const other = await t.http
      .get('/workflows')
      .set('origin', 'https://evil.example.com')
      .expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('limits each client address: past the limit it answers 429 in the error shape', async () => {
    let limited;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await t.http.get('/workflows');
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(200);
    }
    expect(limited?.status).toBe(429);
    expectErrorShape(limited?.body, 429);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ DATABASE_URL: 'postgres://db/app' }, /DATABASE_URL is invalid: unsupported scheme/],
    [
      { NODE_ENV: 'production', JWT_SECRET: '' },
      /NODE_ENV=production needs JWT_SECRET or JWT_PUBLIC_KEY/,
    ],
    [{ CORS_ORIGINS: 'not an origin' }, /CORS_ORIGINS entries must be origins/],
  ])('refuses to start with %j: a clear message and exit code 1', async (env, message) => {
    const start = run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: join(__dirname, '..'),
      env: {
        ...process.env,
        DATABASE_URL: t.database.url,
        JWT_SECRET: 'x'.repeat(40),
        PORT: '0',
        ...env,
        TS_NODE_PROJECT: 'tsconfig.json',
      },
      timeout: 30_000,
    });
    await expect(start).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(message) });
  });
});
