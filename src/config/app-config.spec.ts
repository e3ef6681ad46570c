import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('runs with no configuration at all: SQLite under data/, port 3000, migrations applied at start', () => {
    const config = loadConfig({}, () => 'd'.repeat(64));
    expect(config.database).toMatchObject({ kind: 'sqlite' });
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      runMigrations: true,
      poolSize: 10,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'mariadb://root@127.0.0.1:3306/app',
      PORT: '8080',
      HOST: '127.0.0.1',
      MIGRATIONS_RUN: 'false',
      DB_POOL_SIZE: '25',
      DB_CONNECT_RETRIES: '0',
      BODY_LIMIT_BYTES: '65536',
      JWT_SECRET: 's'.repeat(40),
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'pretty',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      runMigrations: false,
      poolSize: 25,
      connectRetries: 0,
      bodyLimitBytes: 65536,
      auth: { algorithm: 'HS256', secret: 's'.repeat(40), development: false },
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
    [{ NODE_ENV: 'production' }, /NODE_ENV=production needs JWT_SECRET or JWT_PUBLIC_KEY/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET must be at least 32 characters/],
    [{ JWT_PUBLIC_KEY: 'not a key' }, /JWT_PUBLIC_KEY must be a PEM public key/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env, () => 'unused')).toThrow(message);
  });

  it('accepts an RS256 public key, with escaped newlines as in an env file', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----';
    expect(loadConfig({ JWT_PUBLIC_KEY: pem }).auth).toEqual({
      algorithm: 'RS256',
      publicKey: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----',
      development: false,
    });
  });
});
