import type { DynamicModule, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { testLogSink } from './log-sink';
import { AppModule } from '../../src/app.module';
import type { Role } from '../../src/auth/roles';
import { APP_OPTIONS, configureApp, createHttpAdapter } from '../../src/app.setup';
import { loadConfig } from '../../src/config/app-config';
import { runPendingMigrations } from '../../src/database/migrate';
import { TEST_JWT_SECRET, tokenFor } from './auth';
import { createTestDatabase, type MigrationClass, type TestDatabase } from './test-database';

export interface TestApp {
  app: NestFastifyApplication;
  http: TestAgent;
  /** A client of another organization (or role, or user): `t.as(2)` is an admin of organization 2. */
  as(organizationId: number, role?: Role, sub?: number): TestAgent;
  /** The application's own data source, for reading and preparing rows in SQL. */
  db: DataSource;
  database: TestDatabase;
  close(): Promise<void>;
}

/**
 * What a suite may add to the application: modules of the test tree (a linked kind of its own,
 * such as test/fixtures/notes) and the migrations that create their tables.
 */
export interface TestAppExtras {
  /** Imported next to AppModule. */
  imports?: Array<Type<unknown> | DynamicModule>;
  /** Applied after the application's own migrations, before it answers anything. */
  migrations?: readonly MigrationClass[];
}

/** A fresh database of the suite's kind and the application on it, migrated at start as in production. */
export async function startTestApp(
  label: string,
  env: NodeJS.ProcessEnv = {},
  extras: TestAppExtras = {},
): Promise<TestApp> {
  return startAppOn(await createTestDatabase(label), env, extras);
}

/** The application on a database the caller made; close() drops it with database.drop(). */
export async function startAppOn(
  database: TestDatabase,
  env: NodeJS.ProcessEnv = {},
  extras: TestAppExtras = {},
): Promise<TestApp> {
  try {
    const config = loadConfig({
      DATABASE_URL: database.url,
      DB_CONNECT_RETRIES: '0',
      JWT_SECRET: TEST_JWT_SECRET,
      // the suites send far more than a client would; the hardening suite turns it back on
      RATE_LIMIT_PER_MINUTE: '0',
      // request lines stay out of the log; errors and warnings are kept (test/setup/log-sink.ts)
      LOG_LEVEL: 'warn',
      // the webhook dispatcher looks for work once at start, then only when this process commits
      // events while an endpoint is active: suites that count statements see none of its polls
      // (the webhook suites set their own)
      WEBHOOK_POLL_MS: '3600000',
      ...env,
    });
    // the application's data source applies its own migrations while the module compiles
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          ...config,
          logging: { ...config.logging, destination: testLogSink() },
        }),
        ...(extras.imports ?? []),
      ],
    }).compile();
    if (extras.migrations?.length) {
      await migrateExtras(database, extras.migrations).catch(async (err: unknown) => {
        await moduleRef.close();
        throw err;
      });
    }
    const app = moduleRef.createNestApplication<NestFastifyApplication>(
      createHttpAdapter(config),
      APP_OPTIONS,
    );
    configureApp(app, config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return {
      app,
      // an admin client: the suites of authentication and roles make their own
      http: request.agent(app.getHttpServer()).set('authorization', `Bearer ${tokenFor('admin')}`),
      as: (organizationId, role = 'admin', sub = 1) =>
        request
          .agent(app.getHttpServer())
          .set('authorization', `Bearer ${tokenFor(role, sub, '1h', organizationId)}`),
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

/** The extra migrations, on a data source of their own, as `npm run migration:run` would apply them. */
async function migrateExtras(
  database: TestDatabase,
  migrations: readonly MigrationClass[],
): Promise<void> {
  const dataSource = await database.connect(migrations);
  try {
    await runPendingMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
