import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('runs with no configuration at all: SQLite under data/, port 3000, migrations applied at start', () => {
    const config = loadConfig({});
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
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      runMigrations: false,
      poolSize: 25,
      connectRetries: 0,
      bodyLimitBytes: 65536,
    });
  });

  it('names every bad value at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'postgres://x/y', MIGRATIONS_RUN: 'maybe' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(3);
    expect((error as Error).message).toMatch(/PORT must be an integer/);
    expect((error as Error).message).toMatch(/DATABASE_URL is invalid/);
    expect((error as Error).message).toMatch(/MIGRATIONS_RUN must be true or false/);
  });
});
