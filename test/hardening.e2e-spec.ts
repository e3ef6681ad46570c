import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Socket } from 'node:net';
import request from 'supertest';
import { tokenFor } from './setup/auth';
import { expectErrorShape } from './setup/fixtures';
import { openSocket, rawExchange } from './setup/raw-http';
import { startTestApp, type TestApp } from './setup/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Starts a test app that listens on a port of its own (for raw TCP clients); returns the port. */
async function listening(t: TestApp): Promise<number> {
  await t.app.listen(0, '127.0.0.1');
  const address = t.app.getHttpServer().address();
  return typeof address === 'object' && address ? address.port : 0;
}

const run = promisify(execFile);

describe('Hardening (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('hardening', {
      CORS_ORIGINS: 'https://recruiting.example.com,https://*.staging.example.com',
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
    // a browser client may send the headers of safe retries, and read those of the answers
    const retries = await t.http
      .options('/workflows/1')
      .set('origin', 'https://recruiting.example.com')
      .set('access-control-request-method', 'PATCH')
      .set('access-control-request-headers', 'authorization,content-type,if-match,idempotency-key');
    expect(retries.headers['access-control-allow-headers']).toMatch(/idempotency-key/);
    expect(retries.headers['access-control-allow-headers']).toMatch(/if-match/);
    const read = await t.http
      .get('/workflows')
      .set('origin', 'https://recruiting.example.com')
      .expect(200);
    expect(read.headers['access-control-expose-headers']).toMatch(/etag/i);
    expect(read.headers['access-control-expose-headers']).toMatch(/idempotent-replayed/i);
    const other = await t.http
      .get('/workflows')
      .set('origin', 'https://evil.example.com')
      .expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows the subdomains that CORS_ORIGINS=https://*.staging.example.com names, and no other', async () => {
    const preflight = (origin: string) =>
      t.http
        .options('/workflows')
        .set('origin', origin)
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'authorization,content-type');
    const allowed = await preflight('https://app.staging.example.com');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.staging.example.com');
    for (const origin of [
      'https://staging.example.com',
      'https://app.staging.example.com.evil.com',
      'http://app.staging.example.com',
    ]) {
      const res = await preflight(origin);
      expect([origin, res.headers['access-control-allow-origin']]).toEqual([origin, undefined]);
    }
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
      /NODE_ENV="production" needs JWT_SECRET or JWT_PUBLIC_KEY/,
    ],
    [{ NODE_ENV: 'Production', JWT_SECRET: '' }, /NODE_ENV="Production" needs JWT_SECRET/],
    [
      {
        JWT_SECRET: '',
        JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\ngarbage\\n-----END PUBLIC KEY-----',
      },
      /^Invalid configuration:\n {2}- JWT_PUBLIC_KEY must be a PEM public key[^\n]*\n$/,
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

describe('Connections: timeouts, a cap, and what Node answers itself (e2e)', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp('connections', {
      REQUEST_TIMEOUT_MS: '1000',
      KEEP_ALIVE_TIMEOUT_MS: '500',
    });
    port = await listening(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('cuts a client that sends headers and never the body: 408 in the error shape, connection closed', async () => {
    const res = await rawExchange(
      port,
      'POST /workflows HTTP/1.1\r\nHost: localhost\r\n' +
        `Authorization: Bearer ${tokenFor('editor')}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":',
    );
    expect(res.closed).toBe(true);
    expect(res.status).toBe(408);
    expectErrorShape(res.body, 408);
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(await t.db.query('SELECT id FROM recruitment_processes')).toEqual([]);
  });

  it('cuts a client that never finishes its headers, even without a token', async () => {
    const res = await rawExchange(port, 'GET /workflows HTTP/1.1\r\nHost: localhost\r\n');
    expect(res.closed).toBe(true);
    expect(res.status).toBe(408);
    expectErrorShape(res.body, 408);
  });

  it('closes an idle keep-alive connection after KEEP_ALIVE_TIMEOUT_MS', async () => {
    const res = await rawExchange(
      port,
      'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n',
    );
    expect(res.status).toBe(200);
    expect(res.closed).toBe(true);
  });

  it('answers malformed HTTP with 400 in the error shape, with an X-Request-Id', async () => {
    const res = await rawExchange(port, 'NOT-HTTP at all\r\n\r\n');
    expect(res.closed).toBe(true);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['The request is not valid HTTP'],
    });
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('answers headers over 16 KB with 431 in the error shape', async () => {
    const res = await rawExchange(
      port,
      `GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`,
    );
    expect(res.status).toBe(431);
    expect(res.body).toEqual({
      statusCode: 431,
      error: 'Request Header Fields Too Large',
      message: 'The request headers are too large',
    });
  });
});

describe('MAX_CONNECTIONS (e2e)', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp('max_connections', { MAX_CONNECTIONS: '2' });
    port = await listening(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  /** A kept-alive connection the server has accepted and answered once. */
  async function heldConnection(): Promise<Socket> {
    const socket = await openSocket(port);
    await new Promise<void>((resolve) => {
      socket.once('data', () => resolve());
      socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
    });
    return socket;
  }

  const once = 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';

  it('closes connections beyond the cap at once, and accepts again when one is freed', async () => {
    const held = [await heldConnection(), await heldConnection()];
    try {
      const refused = await rawExchange(port, once);
      expect(refused).toMatchObject({ closed: true, text: '' });
    } finally {
      held[0].destroy();
    }
    let answered;
    for (let i = 0; i < 50 && answered?.status !== 200; i++) {
      answered = await rawExchange(port, once);
    }
    expect(answered?.status).toBe(200);
    held[1].destroy();
  });
});

describe('DOCS: the OpenAPI document and Swagger UI switched off or behind a token (e2e)', () => {
  const DOCS_URLS = ['/docs', '/docs/swagger-ui-init.js', '/docs-json', '/docs-yaml'];

  it('DOCS=off: none of them exists (404 in the error shape); the API still answers', async () => {
    const t = await startTestApp('docs_off', { DOCS: 'off' });
    try {
      for (const url of DOCS_URLS) {
        const res = await t.http.get(url);
        expect([url, res.status]).toEqual([url, 404]);
        expectErrorShape(res.body, 404);
      }
      await t.http.get('/workflows').expect(200);
    } finally {
      await t.close();
    }
  });

  it('DOCS=auth: each needs a bearer token (401 in the error shape), of any role', async () => {
    const t = await startTestApp('docs_auth', { DOCS: 'auth' });
    try {
      const anonymous = request(t.app.getHttpServer());
      for (const url of DOCS_URLS) {
        const res = await anonymous.get(url);
        expect([url, res.status]).toEqual([url, 401]);
        expectErrorShape(res.body, 401);
        const forged = await anonymous.get(url).set('authorization', 'Bearer not.a.token');
        expect([url, forged.status]).toEqual([url, 401]);
        const viewer = await anonymous
          .get(url)
          .set('authorization', `Bearer ${tokenFor('viewer')}`);
        expect([url, viewer.status]).toEqual([url, 200]);
      }
      await anonymous.get('/health').expect(200);
    } finally {
      await t.close();
    }
  });
});
