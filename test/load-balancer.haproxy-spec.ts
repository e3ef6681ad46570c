import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { freePort, spawnApp, type AppProcess } from './setup/app-process';
import { adminHeaders } from './setup/auth';
import { expectErrorShape } from './setup/fixtures';
import { PrivateHaproxy } from './setup/haproxy';
import { PrivateRedis } from './setup/private-redis';
import { parseRateLimit } from './setup/rate-limit';
import { createTestDatabase, type TestDatabase } from './setup/test-database';

const LIMIT = 20;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/**
 * A request from a given loopback address (127.0.0.0/8 is all loopback on Linux): to the
 * balancer, clients at 127.0.0.2 and 127.0.0.3 are different clients.
 */
function call(
  url: string,
  from: string,
  method = 'GET',
  path = '/workflows',
  headers: Record<string, string> = {},
  body?: object,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}${path}`,
      {
        method,
        localAddress: from,
        agent: false,
        headers: adminHeaders({
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...headers,
        }),
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

/** How many request lines a replica logged for client address `from` (remoteAddress: request.ip). */
function linesFrom(app: AppProcess, from: string): number {
  return app
    .stdout()
    .split('\n')
    .filter((line) => line.includes(`"remoteAddress":"${from}"`)).length;
}

/**
 * deploy/haproxy.cfg, as documented, in front of three replicas on one MariaDB database, with
 * TRUST_PROXY naming the proxy and the rate limit in a Redis of the test's own.
 */
describe('Three replicas behind HAProxy (e2e)', () => {
  let database: TestDatabase;
  const redis = new PrivateRedis();
  const haproxy = new PrivateHaproxy();
  const ports: number[] = [];
  const apps: AppProcess[] = [];

  const startReplica = (i: number) =>
    spawnApp(
      {
        DATABASE_URL: database.url,
        DB_POOL_SIZE: '4',
        RATE_LIMIT_PER_MINUTE: String(LIMIT),
        RATE_LIMIT_STORE: redis.url,
        TRUST_PROXY: '127.0.0.1',
        LOG_FORMAT: 'json',
      },
      ports[i],
    );

  beforeAll(async () => {
    database = await createTestDatabase('haproxy');
    await redis.start();
    for (let i = 0; i < 3; i++) ports.push(await freePort());
    // the first applies the migrations; the others find none pending
    apps.push(await startReplica(0));
    apps.push(...(await Promise.all([startReplica(1), startReplica(2)])));
    await haproxy.start(ports);
    const servers = await haproxy.waitFor({ replica1: 'UP', replica2: 'UP', replica3: 'UP' });
    expect(servers).toEqual({ replica1: 'UP', replica2: 'UP', replica3: 'UP' });
  }, 180_000);

  afterAll(async () => {
    await haproxy.stop();
    await Promise.all(apps.map((app) => app.kill('SIGTERM')));
    await redis.stop();
    await database?.drop();
  });

  it('spreads one client over the three replicas, which key one shared limit on its own address, not the proxy’s', async () => {
    const remaining: number[] = [];
    for (let i = 0; i < LIMIT; i++) {
      const res = await call(haproxy.url, '127.0.0.2');
      expect(res.status).toBe(200);
      remaining.push(parseRateLimit(res.headers.ratelimit as string).r);
    }
    // one budget, counted down by whichever replica answered
    expect(remaining).toEqual(Array.from({ length: LIMIT }, (_, i) => LIMIT - 1 - i));
    // every replica answered some, and logged the client's address, not 127.0.0.1
    for (const app of apps) expect(linesFrom(app, '127.0.0.2')).toBeGreaterThan(0);

    const limited = await call(haproxy.url, '127.0.0.2');
    expect(limited.status).toBe(429);
    expectErrorShape(limited.body, 429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // a forged X-Forwarded-For buys nothing: the service believes only the hop HAProxy adds
    const forged = await call(haproxy.url, '127.0.0.2', 'GET', '/workflows', {
      'x-forwarded-for': '203.0.113.50',
    });
    expect(forged.status).toBe(429);
    // another client behind the same proxy has its own budget
    const other = await call(haproxy.url, '127.0.0.3');
    expect(other.status).toBe(200);
    expect(parseRateLimit(other.headers.ratelimit as string).r).toBe(LIMIT - 1);
  });

  it('a replica that dies is taken out by its /health check and its requests go to the others; started again, it is back in rotation', async () => {
    // clients 127.0.1.1, 127.0.1.2, ... each well under the limit
    let client = 0;
    const statuses: Record<number, number> = {};
    const burst = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const from = `127.0.1.${(client++ % 250) + 1}`;
        const res =
          i % 2
            ? await call(haproxy.url, from)
            : await call(haproxy.url, from, 'POST', '/workflows', {}, { name: `lb ${i}` });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    };
    await burst(12);

    await apps[2].kill('SIGKILL');
    // before and after HAProxy notices, refused connections are retried on another replica
    await burst(12);
    const down = await haproxy.waitFor({ replica3: 'DOWN' });
    expect(down).toEqual({ replica1: 'UP', replica2: 'UP', replica3: 'DOWN' });
    await burst(12);

    apps[2] = await startReplica(2);
    const up = await haproxy.waitFor({ replica3: 'UP' });
    expect(up).toEqual({ replica1: 'UP', replica2: 'UP', replica3: 'UP' });
    await burst(12);
    expect(apps[2].stdout()).toMatch(/"remoteAddress":"127\.0\.1\.\d+"/);

    console.log(
      `haproxy: answers through the balancer while a replica died and came back`,
      statuses,
    );
    expect(Object.keys(statuses).sort()).toEqual(['200', '201']);
  }, 120_000);
});
