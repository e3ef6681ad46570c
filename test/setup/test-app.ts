import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { APP_OPTIONS, configureApp, createHttpAdapter } from '../../src/app.setup';
import { loadConfig } from '../../src/config/app-config';
import { TEST_JWT_SECRET, tokenFor } from './auth';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestApp {
  app: NestFastifyApplication;
  http: TestAgent;
  /** The application's own data source, for reading and preparing rows in SQL. */
  db: DataSource;
  database: TestDatabase;
  close(): Promise<void>;
}

/** A fresh database of the suite's kind and the application on it, migrated at start as in production. */
export async function startTestApp(label: string, env: NodeJS.ProcessEnv = {}): Promise<TestApp> {
  return startAppOn(await createTestDatabase(label), env);
}

/** The application on a database the caller made; close() drops it with database.drop(). */
export async function startAppOn(
  database: TestDatabase,
  env: NodeJS.ProcessEnv = {},
): Promise<TestApp> {
  try {
    const config = loadConfig({
      DATABASE_URL: database.url,
      DB_CONNECT_RETRIES: '0',
      JWT_SECRET: TEST_JWT_SECRET,
      // the suites send far more than a client would; the hardening suite turns it back on
      RATE_LIMIT_PER_MINUTE: '0',
      // request lines stay out of the test output; errors and warnings show
      LOG_LEVEL: 'warn',
      ...env,
    });
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(config)],
    }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(
      createHttpAdapter(config.bodyLimitBytes, config.trustProxy),
      APP_OPTIONS,
    );
    await configureApp(app, config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return {
      app,
      // an admin client: the suites of authentication and roles make their own
      http: request.agent(app.getHttpServer()).set('authorization', `Bearer ${tokenFor('admin')}`),
      db: app.get(DataSource),
      database,
      close: async () => {
        await app.close();
        await database.drop();
      },
    };
  } catch (err) {
    await database.drop();
    throw err;
  }
}
