// first: stops an unsupported Node.js with one line, before anything loads better-sqlite3
import '../scripts/check-node';
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger as Pino } from 'pino';
import { AppModule } from './app.module';
import { APP_OPTIONS, configureApp, createHttpAdapter, DOCS_PATH } from './app.setup';
import { ConfigError, loadConfig } from './config/app-config';
import { ROOT_LOGGER } from './logging/logging.options';
import { closeGracefullyOnSignals } from './shutdown';
import { maxTtlSeconds, signToken } from './auth/tokens';
import { portInUseMessage, refuseBusyPort } from './config/port-check';
import { StartupError } from './config/startup-error';
import { waitForDatabase } from './database/wait-for-database';
import { createRootLogger } from './logging/logging.options';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  // what the person starting it can fix is said in one line before anything else happens:
  // the port first (no migration runs for a service that cannot listen), then the database
  await refuseBusyPort(config.port, config.host);
  if (config.database.kind !== 'sqlite') {
    const startupLogger = createRootLogger(config.logging);
    try {
      await waitForDatabase(config.database, config.connectRetries, startupLogger);
    } finally {
      await new Promise<void>((resolve) => startupLogger.flush(() => resolve()));
    }
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    createHttpAdapter(config),
    APP_OPTIONS,
  );
  configureApp(app, config);
  closeGracefullyOnSignals(app);
  await app.listen(config.port, config.host);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('0.0.0.0', 'localhost');
  const where =
    config.database.kind === 'sqlite' ? `SQLite ${config.database.file}` : config.databaseUrl;
  const logger = new Logger('Bootstrap');
  const docs = {
    public: `; Swagger UI at ${url}/${DOCS_PATH}`,
    auth: `; Swagger UI at ${url}/${DOCS_PATH} (bearer token needed, DOCS=auth)`,
    off: ' (no Swagger UI: DOCS=off)',
  }[config.docs];
  logger.log(`Serving on ${url} (database: ${where})${docs}`);
  if (config.auth.development) {
    logger.warn(
      'No JWT_SECRET or JWT_PUBLIC_KEY: tokens use a development secret (refused unless NODE_ENV is unset, development or test)',
    );
    // a convenience for trying the API, written beside the log rather than into it: tokens are
    // never logged. After the start-up lines have been written, so that it is the last thing seen.
    await new Promise<void>((resolve) => app.get<Pino>(ROOT_LOGGER).flush(() => resolve()));
    const hours = Math.min(8 * 3600, maxTtlSeconds(config.auth)) / 3600;
    const token = signToken(config.auth, 1, 'admin', hours * 3600, 1);
    process.stderr.write(
      `\nAdmin token for Swagger's Authorize button (development secret, valid ${+hours.toFixed(2)} h, organization 1):\n${token}\n` +
        'More: npm run token -- --sub 42 --role editor --org 1\n\n',
    );
  }
}

bootstrap().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof StartupError) {
    console.error(err.message);
  } else if ((err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE') {
    // taken between the check and the listen
    console.error(portInUseMessage(loadConfig().port));
  } else {
    console.error('The service could not start:', err);
  }
  process.exit(1);
});
