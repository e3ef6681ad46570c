import { ConfigError, loadConfig } from '../config/app-config';

const load = (env: NodeJS.ProcessEnv) => loadConfig({ JWT_SECRET: 's'.repeat(40), ...env });

describe('rate limit and proxy settings', () => {
  it('counts in memory, fails open and trusts no proxy by default', () => {
    expect(load({})).toMatchObject({
      rateLimitStore: { kind: 'memory' },
      rateLimitFailClosed: false,
      trustProxy: false,
    });
  });

  it('reads RATE_LIMIT_STORE, RATE_LIMIT_FAIL_CLOSED and TRUST_PROXY', () => {
    expect(
      load({
        RATE_LIMIT_STORE: 'redis://:pw@10.0.0.9:6380/2',
        RATE_LIMIT_FAIL_CLOSED: 'true',
        TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1,loopback',
      }),
    ).toMatchObject({
      rateLimitStore: { kind: 'redis', url: 'redis://:pw@10.0.0.9:6380/2' },
      rateLimitFailClosed: true,
      trustProxy: ['10.0.0.5', '10.1.0.0/16', '::1', 'loopback'],
    });
    expect(load({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(load({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(load({ RATE_LIMIT_STORE: 'memory' }).rateLimitStore).toEqual({ kind: 'memory' });
  });

  it.each([
    [{ RATE_LIMIT_STORE: 'memcached://cache:11211' }, /RATE_LIMIT_STORE must be memory or a redis/],
    [{ RATE_LIMIT_STORE: 'localhost:6379' }, /RATE_LIMIT_STORE must be memory or a redis/],
    [{ RATE_LIMIT_FAIL_CLOSED: 'sometimes' }, /RATE_LIMIT_FAIL_CLOSED must be true or false/],
    [{ TRUST_PROXY: 'true' }, /TRUST_PROXY=true would believe any X-Forwarded-For/],
    [{ TRUST_PROXY: '11' }, /hop count must be from 0 to 10/],
    [{ TRUST_PROXY: '10.0.0.5,proxy.example.com' }, /"proxy.example.com"/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /"10.0.0.0\/33"/],
  ])('refuses %j with a message naming it', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });

  it('never echoes a Redis password in its message', () => {
    expect(() => load({ RATE_LIMIT_STORE: 'http://:hunter2@cache:6379' })).toThrow(
      /"http:\/\/:\*\*\*@cache:6379"/,
    );
  });
});
