import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { developmentSecret } from '../auth/auth.options';
import { ConfigError, loadConfig } from './app-config';

const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pemOf = (key: { publicKey: import('node:crypto').KeyObject }) =>
  key.publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('loadConfig', () => {
  it('runs with no configuration at all: SQLite under data/, port 3000 on 127.0.0.1, migrations applied at start', () => {
    const config = loadConfig({}, () => 'd'.repeat(64));
    expect(config.database).toMatchObject({ kind: 'sqlite' });
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      runMigrations: true,
      poolSize: 10,
      sqliteSynchronous: 'normal',
      sqliteMmapSize: 0,
      bodyLimitBytes: 102_400,
      requestTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
      maxConnections: 1000,
    });
  });

  it('listens on every interface by default in production, on 127.0.0.1 outside it', () => {
    const secret = { JWT_SECRET: 's'.repeat(40) };
    expect(loadConfig({ ...secret, NODE_ENV: 'production' }).host).toBe('0.0.0.0');
    expect(loadConfig({ ...secret, NODE_ENV: 'staging' }).host).toBe('0.0.0.0');
    for (const NODE_ENV of [undefined, 'development', 'test'])
      expect(loadConfig({ ...secret, NODE_ENV }).host).toBe('127.0.0.1');
    expect(loadConfig({ ...secret, HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'mariadb://root@127.0.0.1:3306/app',
      PORT: '8080',
      HOST: '127.0.0.1',
      MIGRATIONS_RUN: 'false',
      DB_POOL_SIZE: '25',
      SQLITE_SYNCHRONOUS: 'FULL',
      SQLITE_MMAP_SIZE: '268435456',
      DB_CONNECT_RETRIES: '0',
      BODY_LIMIT_BYTES: '65536',
      REQUEST_TIMEOUT_MS: '5000',
      KEEP_ALIVE_TIMEOUT_MS: '6000',
      MAX_CONNECTIONS: '300',
      JWT_SECRET: 's'.repeat(40),
      JWT_MAX_TTL: '2h',
      JWT_ISSUER: 'https://idp.example.com/',
      JWT_AUDIENCE: 'recruiting-api',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'pretty',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      runMigrations: false,
      poolSize: 25,
      sqliteSynchronous: 'full',
      sqliteMmapSize: 268_435_456,
      connectRetries: 0,
      bodyLimitBytes: 65536,
      requestTimeoutMs: 5000,
      keepAliveTimeoutMs: 6000,
      maxConnections: 300,
      auth: {
        algorithm: 'HS256',
        secret: 's'.repeat(40),
        development: false,
        maxTtlSeconds: 7200,
        issuer: 'https://idp.example.com/',
        audience: 'recruiting-api',
      },
      logging: { level: 'debug', format: 'pretty' },
    });
  });

  it.each([
    ['a terminal, in development', {}, true, 'pretty'],
    ['a pipe or file, in development', {}, false, 'json'],
    [
      'a terminal, in production',
      { NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40) },
      true,
      'json',
    ],
  ])('logs at info, and formats for %s as %s', (_case, env, terminal, format) => {
    expect(loadConfig(env, () => 'd'.repeat(64), terminal).logging).toEqual({
      level: 'info',
      format,
    });
  });

  it('names every bad value at once', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'postgres://x/y',
        MIGRATIONS_RUN: 'maybe',
        LOG_LEVEL: 'loud',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(4);
    expect((error as Error).message).toMatch(/PORT must be an integer/);
    expect((error as Error).message).toMatch(/DATABASE_URL is invalid/);
    expect((error as Error).message).toMatch(/MIGRATIONS_RUN must be true or false/);
    expect((error as Error).message).toMatch(
      /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"/,
    );
  });

  it.each([
    [
      'NODE_ENV=production without a secret',
      { NODE_ENV: 'production' },
      /NODE_ENV="production" needs JWT_SECRET or JWT_PUBLIC_KEY/,
    ],
    ['a short JWT_SECRET', { JWT_SECRET: 'short' }, /JWT_SECRET must be at least 32 characters/],
    [
      'a JWT_PUBLIC_KEY without PEM markers',
      { JWT_PUBLIC_KEY: 'not a key' },
      /JWT_PUBLIC_KEY must be a PEM public key/,
    ],
    [
      'a JWT_PUBLIC_KEY that is not base64',

      { JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----' },
      /JWT_PUBLIC_KEY must be a PEM public key/,
    ],
    [
      'an EC JWT_PUBLIC_KEY',

      { JWT_PUBLIC_KEY: pemOf(generateKeyPairSync('ec', { namedCurve: 'P-256' })) },
      /JWT_PUBLIC_KEY must be an RSA key \(tokens are RS256\), got an ec key/,
    ],
    [
      'a 1024-bit RSA JWT_PUBLIC_KEY',

      { JWT_PUBLIC_KEY: pemOf(generateKeyPairSync('rsa', { modulusLength: 1024 })) },
      /JWT_PUBLIC_KEY must be an RSA key of at least 2048 bits, got 1024/,
    ],
    [
      'a private key as JWT_PUBLIC_KEY',

      {
        JWT_PUBLIC_KEY: rsa2048.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
      /JWT_PUBLIC_KEY holds a private key/,
    ],
    [
      'production with RS256 and no JWT_AUDIENCE',

      { NODE_ENV: 'production', JWT_PUBLIC_KEY: pemOf(rsa2048), JWT_ISSUER: 'https://idp' },
      /NODE_ENV="production" with JWT_PUBLIC_KEY needs JWT_ISSUER and JWT_AUDIENCE/,
    ],
    [
      'JWT_MAX_TTL=10 years',
      { JWT_SECRET: 's'.repeat(40), JWT_MAX_TTL: '10 years' },
      /JWT_MAX_TTL must be a duration/,
    ],
    [
      'JWT_MAX_TTL=30s',
      { JWT_SECRET: 's'.repeat(40), JWT_MAX_TTL: '30s' },
      /JWT_MAX_TTL must be a duration/,
    ],
  ])('refuses %s', (_case, env, message) => {
    expect(() => loadConfig(env, () => 'd'.repeat(64))).toThrow(message);
  });

  it('accepts an RS256 public key, with escaped newlines as in an env file', () => {
    const pem = pemOf(rsa2048).trim();
    expect(loadConfig({ JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n') }).auth).toEqual({
      algorithm: 'RS256',
      publicKey: pem,
      development: false,
      maxTtlSeconds: 24 * 3600,
    });
  });

  it('reads JWT_MAX_TTL, JWT_ISSUER and JWT_AUDIENCE; production with RS256 runs with both set', () => {
    expect(
      loadConfig({
        NODE_ENV: 'production',
        JWT_PUBLIC_KEY: pemOf(rsa2048),
        JWT_MAX_TTL: '15m',
        JWT_ISSUER: 'https://idp.example.com/',
        JWT_AUDIENCE: 'recruiting-api',
      }).auth,
    ).toMatchObject({
      algorithm: 'RS256',
      maxTtlSeconds: 900,
      issuer: 'https://idp.example.com/',
      audience: 'recruiting-api',
    });
  });

  it.each(['prod', 'Production', 'PRODUCTION', 'production ', 'staging', ' development'])(
    'makes no development secret with NODE_ENV=%j: it refuses to start without JWT_SECRET',
    (NODE_ENV) => {
      let made = false;
      expect(() =>
        loadConfig({ NODE_ENV }, () => {
          made = true;
          return 'd'.repeat(64);
        }),
      ).toThrow(/needs JWT_SECRET or JWT_PUBLIC_KEY/);
      expect(made).toBe(false);
    },
  );

  it.each([undefined, '', 'development', 'test'])(
    'uses the development secret with NODE_ENV=%j',
    (NODE_ENV) => {
      expect(loadConfig({ NODE_ENV }, () => 'd'.repeat(64)).auth).toMatchObject({
        development: true,
      });
    },
  );

  describe('the development secret file', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dev-secret-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('is made with mode 0600 in a directory of mode 0700, and read back', () => {
      const file = join(dir, 'data', 'dev-jwt-secret');
      const secret = developmentSecret(file);
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
      expect(developmentSecret(file)).toBe(secret);
    });

    it.each([
      ['one of 1 character', 'x', 0o600, /holds fewer than 32 characters/],
      [
        'one that others may read',
        'd'.repeat(64),
        0o644,
        /may be read by other users \(mode 644\)/,
      ],
    ])('refuses %s, naming it', (_case, content, mode, message) => {
      const file = join(dir, 'dev-jwt-secret');
      writeFileSync(file, content);
      chmodSync(file, mode);
      expect(() => developmentSecret(file)).toThrow(message);
      expect(() => loadConfig({}, () => developmentSecret(file))).toThrow(
        /the development secret cannot be used: .*dev-jwt-secret/,
      );
    });
  });

  it('reads IDEMPOTENCY_TTL (24h by default) and REQUIRE_IF_MATCH (false by default), and names bad values', () => {
    const dev = () => 'd'.repeat(64);
    expect(loadConfig({}, dev)).toMatchObject({
      idempotencyTtlMs: 86_400_000,
      requireIfMatch: false,
    });
    expect(loadConfig({ IDEMPOTENCY_TTL: '90s', REQUIRE_IF_MATCH: 'true' }, dev)).toMatchObject({
      idempotencyTtlMs: 90_000,
      requireIfMatch: true,
    });
    expect(loadConfig({ IDEMPOTENCY_TTL: '7d' }, dev).idempotencyTtlMs).toBe(7 * 86_400_000);
    for (const bad of ['0s', '24', '1y', '-1h', '366d', 'soon']) {
      expect(() => loadConfig({ IDEMPOTENCY_TTL: bad }, dev)).toThrow(
        new RegExp(`IDEMPOTENCY_TTL must be a duration .*got "${bad}"`),
      );
    }
    expect(() => loadConfig({ REQUIRE_IF_MATCH: 'maybe' }, dev)).toThrow(
      /REQUIRE_IF_MATCH must be true or false/,
    );
  });

  it('reads EVENTS_RETENTION (30d by default) and EVENTS_SETTLE_MS (1000 by default), and names bad values', () => {
    const dev = () => 'd'.repeat(64);
    expect(loadConfig({}, dev)).toMatchObject({
      eventsRetentionMs: 30 * 86_400_000,
      eventsSettleMs: 1000,
    });
    expect(loadConfig({ EVENTS_RETENTION: '12h', EVENTS_SETTLE_MS: '0' }, dev)).toMatchObject({
      eventsRetentionMs: 12 * 3_600_000,
      eventsSettleMs: 0,
    });
    for (const bad of ['0s', '30', '1y', '-1d', '366d', 'forever']) {
      expect(() => loadConfig({ EVENTS_RETENTION: bad }, dev)).toThrow(
        new RegExp(`EVENTS_RETENTION must be a duration .*got "${bad}"`),
      );
    }
    for (const bad of ['-1', '60001', '1s', 'soon']) {
      expect(() => loadConfig({ EVENTS_SETTLE_MS: bad }, dev)).toThrow(
        new RegExp(`EVENTS_SETTLE_MS must be an integer from 0 to 60000, got "${bad}"`),
      );
    }
  });

  it("reads SQLITE_MMAP_SIZE in bytes, up to SQLite's own cap, and refuses anything else", () => {
    const dev = () => 'd'.repeat(64);
    expect(loadConfig({ SQLITE_MMAP_SIZE: '0' }, dev).sqliteMmapSize).toBe(0);
    expect(loadConfig({ SQLITE_MMAP_SIZE: '2147418112' }, dev).sqliteMmapSize).toBe(2_147_418_112);
    for (const bad of ['-1', '2147418113', '256M', '1e9', 'lots']) {
      expect(() => loadConfig({ SQLITE_MMAP_SIZE: bad }, dev)).toThrow(
        new RegExp(`SQLITE_MMAP_SIZE must be an integer from 0 to 2147418112, got "${bad}"`),
      );
    }
  });

  it('reads CORS_ORIGINS: exact origins, and https://*.example.com for one label of subdomain', () => {
    const [exact, wildcard] = loadConfig({
      CORS_ORIGINS: 'https://recruiting.example.com, https://*.staging.example.com:8443',
    }).corsOrigins;
    expect(exact).toBe('https://recruiting.example.com');
    const matches = (origin: string) => (wildcard as RegExp).test(origin);
    expect(matches('https://app.staging.example.com:8443')).toBe(true);
    for (const origin of [
      'https://staging.example.com:8443',
      'https://a.b.staging.example.com:8443',
      'https://app.staging.example.com',
      'http://app.staging.example.com:8443',
      'https://app.staging.example.com:8443.evil.com',
      'https://appxstaging.example.com:8443',
    ]) {
      expect([origin, matches(origin)]).toEqual([origin, false]);
    }
  });

  it.each(['https://*.com', 'https://app.*.example.com', '*', 'https://*example.com'])(
    'refuses CORS_ORIGINS=%s, which would never match or match too much',
    (origin) => {
      expect(() => loadConfig({ CORS_ORIGINS: origin }, () => 'd'.repeat(64))).toThrow(
        /CORS_ORIGINS: a \* may only stand for the first label of a host/,
      );
    },
  );
});
