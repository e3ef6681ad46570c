import request from 'supertest';
import { tokenFor } from './setup/auth';
import { expectErrorShape } from './setup/fixtures';
import { parseRateLimit } from './setup/rate-limit';
import { startTestApp, type TestApp } from './setup/test-app';

const LIMIT = 12;

/**
 * The per-address rate limit (memory store): one budget per client address across every
 * request it makes, and X-Forwarded-For believed only from the proxies TRUST_PROXY names.
 */
describe('Rate limit per client address (e2e)', () => {
  let direct: TestApp;
  let proxied: TestApp;

  beforeAll(async () => {
    direct = await startTestApp('rate_limit', { RATE_LIMIT_PER_MINUTE: String(LIMIT) });
    proxied = await startTestApp('rate_limit_proxied', {
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
      TRUST_PROXY: '127.0.0.1',
    });
  });

  afterAll(async () => {
    await direct?.close();
    await proxied?.close();
  });

  it('counts every request of an address against one budget, whatever the route, the docs, a 404 or a 401; past it, 429 everywhere', async () => {
    const server = direct.app.getHttpServer();
    const anonymous = request(server);
    const editor = `Bearer ${tokenFor('editor')}`;
    const sent: Array<() => request.Test> = [
      () => direct.http.get('/workflows'),
      () => direct.http.get('/todos'),
      () => direct.http.get('/interviews'),
      () => direct.http.post('/workflows').send({ name: 'counted' }),
      () => anonymous.get('/docs-json'),
      () => anonymous.get('/docs'),
      () => anonymous.get('/no-such-route'),
      () => anonymous.get('/workflows'), // 401: no token
      () => anonymous.get('/admin/orphans').set('authorization', editor), // 403
      () => direct.http.get('/workflows/999999'), // 404 of a known route
    ];
    const remaining: number[] = [];
    for (let i = 0; i < LIMIT; i++) {
      const res = await sent[i % sent.length]();
      expect(res.status).toBeLessThan(429);
      expect(res.headers['ratelimit-policy']).toBe(`"per-address";q=${LIMIT};w=60`);
      const { r, t } = parseRateLimit(res.headers.ratelimit);
      expect(t).toBeGreaterThan(0);
      expect(t).toBeLessThanOrEqual(60);
      remaining.push(r);
    }
    expect(remaining).toEqual(Array.from({ length: LIMIT }, (_, i) => LIMIT - 1 - i));

    // the budget is spent: every kind of request from this address now answers 429
    for (const make of sent) {
      const res = await make();
      expect(res.status).toBe(429);
      expectErrorShape(res.body, 429);
      expect(res.body.error).toBe('Too Many Requests');
      expect(JSON.stringify(res.body)).not.toMatch(/Throttler|Exception|Error:/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(parseRateLimit(res.headers.ratelimit).r).toBe(0);
      expect(res.headers['x-request-id']).toBeDefined();
    }
    // probes are neither counted nor refused, so that a balancer never takes a replica out for it
    const health = await anonymous.get('/health').expect(200);
    expect(health.headers.ratelimit).toBeUndefined();
  });

  it('ignores X-Forwarded-For when TRUST_PROXY is unset: a client cannot buy a fresh budget with it', async () => {
    // the address 127.0.0.1 spent its budget in the test above
    const res = await direct.http.get('/workflows').set('x-forwarded-for', '203.0.113.9');
    expect(res.status).toBe(429);
  });

  it('with TRUST_PROXY, keys on the client address the proxy forwards: one client limited, another not', async () => {
    const from = (client: string) => proxied.http.get('/workflows').set('x-forwarded-for', client);
    for (let i = 0; i < LIMIT; i++) await from('198.51.100.7').expect(200);
    const limited = await from('198.51.100.7').expect(429);
    expectErrorShape(limited.body, 429);
    const other = await from('198.51.100.8').expect(200);
    expect(parseRateLimit(other.headers.ratelimit).r).toBe(LIMIT - 1);
    // an IPv6 client is keyed on its /64: the next address in that network shares its budget
    for (let i = 0; i < LIMIT; i++) await from('2001:db8:1:2::10').expect(200);
    await from('2001:db8:1:2::11').expect(429);
    await from('2001:db8:1:3::10').expect(200);
  });
});
