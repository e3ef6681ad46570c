import { ConfigError, loadConfig } from '../config/app-config';

const dev = () => 'd'.repeat(64);
const load = (env: NodeJS.ProcessEnv) => loadConfig(env, dev).webhooks;
const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(env, dev);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('WEBHOOK_* configuration', () => {
  it('defaults: 10 s timeout, retries after 5s, 30s, 2m, 10m, 1h, 3h, 6h, 12h (about 24 h), disabled after 24 h, lease 30 s, poll 2 s', () => {
    expect(load({})).toEqual({
      timeoutMs: 10_000,
      retryScheduleMs: [
        5000, 30_000, 120_000, 600_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000,
      ],
      disableAfterMs: 86_400_000,
      leaseMs: 30_000,
      pollMs: 2000,
      allowPrivateNetworks: false,
      requireHttps: false,
    });
    const total = load({}).retryScheduleMs.reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeCloseTo(22.2, 1);
  });

  it('reads short schedules and durations in ms for tests', () => {
    expect(
      load({
        WEBHOOK_RETRY_SCHEDULE: '200ms, 1s,2m',
        WEBHOOK_DISABLE_AFTER: '500ms',
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      }),
    ).toMatchObject({
      retryScheduleMs: [200, 1000, 120_000],
      disableAfterMs: 500,
      allowPrivateNetworks: true,
    });
  });

  it('requires https in production unless WEBHOOK_ALLOW_HTTP=true', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40) };
    expect(load(production).requireHttps).toBe(true);
    expect(load({ ...production, WEBHOOK_ALLOW_HTTP: 'true' }).requireHttps).toBe(false);
  });

  it.each([
    [
      { WEBHOOK_RETRY_SCHEDULE: '5s,,30s' },
      /WEBHOOK_RETRY_SCHEDULE must be 1 to 20 comma-separated waits/,
    ],
    [{ WEBHOOK_RETRY_SCHEDULE: '5 seconds' }, /WEBHOOK_RETRY_SCHEDULE/],
    [{ WEBHOOK_RETRY_SCHEDULE: '8d' }, /WEBHOOK_RETRY_SCHEDULE/],
    [{ WEBHOOK_RETRY_SCHEDULE: Array(21).fill('1s').join(',') }, /WEBHOOK_RETRY_SCHEDULE/],
    [{ WEBHOOK_DISABLE_AFTER: 'never' }, /WEBHOOK_DISABLE_AFTER must be a duration/],
    [{ WEBHOOK_TIMEOUT_MS: '50' }, /WEBHOOK_TIMEOUT_MS must be an integer from 100 to 60000/],
    [
      { WEBHOOK_TIMEOUT_MS: '20000' },
      /WEBHOOK_LEASE_MS \(30000\) must be at least twice WEBHOOK_TIMEOUT_MS \(20000\)/,
    ],
    [{ WEBHOOK_POLL_MS: '0' }, /WEBHOOK_POLL_MS must be an integer/],
    [
      { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'maybe' },
      /WEBHOOK_ALLOW_PRIVATE_NETWORKS must be true or false/,
    ],
  ])('refuses %j at start', (env, message) => {
    expect(problemsOf(env).join('\n')).toMatch(message);
  });
});
