import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnApp, waitUntil, type AppProcess } from './setup/app-process';
import { adminHeaders } from './setup/auth';
import { expectErrorShape } from './setup/fixtures';
import { PrivateRedis } from './setup/private-redis';
import { parseRateLimit } from './setup/rate-limit';

const LIMIT = 10;

async function get(app: AppProcess, path = '/workflows') {
  const res = await fetch(`${app.url}${path}`, { headers: adminHeaders() });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/**
 * RATE_LIMIT_STORE=redis://...: service processes share one count per client address through a
 * redis-server of this test's own, which is stopped and started again under them.
 */
describe('Rate limit shared by replicas through Redis (e2e)', () => {
  const redis = new PrivateRedis();
  const dir = mkdtempSync(join(tmpdir(), 'test-rate-limit-'));
  const apps: AppProcess[] = [];

  const replica = async (name: string, env: NodeJS.ProcessEnv = {}) => {
    const app = await spawnApp(
      {
        DATABASE_URL: `sqlite:${join(dir, `${name}.sqlite`)}`,
        RATE_LIMIT_PER_MINUTE: String(LIMIT),
        RATE_LIMIT_STORE: redis.url,
        LOG_FORMAT: 'json',
        ...env,
      },
      await freePort(),
    );
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    await redis.start();
  }, 30_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill('SIGTERM')));
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two replicas count one budget per address: what one spent, the other refuses', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    const remaining: number[] = [];
    for (let i = 0; i < LIMIT; i++) {
      const res = await get(i % 2 ? b : a);
      expect(res.status).toBe(200);
      remaining.push(parseRateLimit(res.headers.get('ratelimit')).r);
    }
    expect(remaining).toEqual(Array.from({ length: LIMIT }, (_, i) => LIMIT - 1 - i));
    for (const app of [a, b]) {
      const res = await get(app);
      expect(res.status).toBe(429);
      expectErrorShape(res.body, 429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    await Promise.all([a.kill(), b.kill()]);
  }, 120_000);

  it('Redis stopped mid-test: fail open serves and logs, RATE_LIMIT_FAIL_CLOSED refuses with 503; both count again once it is back', async () => {
    // a fresh count: the previous test spent 127.0.0.1's budget in this server
    await redis.stop();
    await redis.start();
    const open = await replica('open', { RATE_LIMIT_PER_MINUTE: '1000' });
    const closed = await replica('closed', {
      RATE_LIMIT_PER_MINUTE: '1000',
      RATE_LIMIT_FAIL_CLOSED: 'true',
    });
    const before = await get(open);
    expect(before.status).toBe(200);
    expect(parseRateLimit(before.headers.get('ratelimit')).r).toBe(999);
    expect((await get(closed)).status).toBe(200);

    await redis.stop('SIGKILL');
    for (let i = 0; i < 5; i++) {
      // served, uncounted: no RateLimit field since nothing was counted
      const served = await get(open);
      expect(served.status).toBe(200);
      expect(served.headers.get('ratelimit')).toBeNull();
      const refused = await get(closed);
      expect(refused.status).toBe(503);
      expectErrorShape(refused.body, 503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect((refused.body as { message: string }).message).not.toMatch(
        /redis|ECONNREFUSED|Error/i,
      );
    }
    // the probe stays up: whether to refuse is the rate limit's business, not the balancer's
    expect((await get(closed, '/health')).status).toBe(200);
    await waitUntil(() => /rate limit store does not answer/.test(open.stdout()));
    expect(open.stdout()).toMatch(/served without a rate limit/);
    expect(closed.stdout()).toMatch(/refused with 503/);
    // logged once per outage, not once per request
    expect(open.stdout().match(/rate limit store does not answer/g)).toHaveLength(1);

    await redis.start();
    // ioredis reconnects by itself (every 2 s at most): the next counted answer says so
    let counted: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 100 && !counted; i++) {
      const res = await get(open);
      expect(res.status).toBe(200);
      if (res.headers.get('ratelimit')) counted = res;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // the restarted Redis is empty: the count starts over
    expect(parseRateLimit(counted?.headers.get('ratelimit')).r).toBe(999);
    let back;
    for (let i = 0; i < 100; i++) {
      back = await get(closed);
      if (back.status !== 503) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(back?.status).toBe(200);
    expect(parseRateLimit(back?.headers.get('ratelimit')).r).toBe(998);
    await waitUntil(() => /rate limit store answers again/.test(open.stdout()));
    expect(open.stdout()).toMatch(/rate limit store answers again/);
  }, 120_000);
});
