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
import { signToken } from './auth/tokens';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    createHttpAdapter(config.bodyLimitBytes),
    APP_OPTIONS,
  );
  await configureApp(app, config);
  closeGracefullyOnSignals(app);
  await app.listen(config.port, config.host);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('0.0.0.0', 'localhost');
  const where =
    config.database.kind === 'sqlite' ? `SQLite ${config.database.file}` : config.databaseUrl;
  const logger = new Logger('Bootstrap');
  logger.log(`Serving on ${url} (database: ${where}); Swagger UI at ${url}/${DOCS_PATH}`);
  if (config.auth.development) {
    logger.warn(
      'No JWT_SECRET or JWT_PUBLIC_KEY: tokens use a development secret (refused with NODE_ENV=production)',
    );
    // a convenience for trying the API, written beside the log rather than into it: tokens are
    // never logged. After the start-up lines have been written, so that it is the last thing seen.
    await new Promise<void>((resolve) => app.get<Pino>(ROOT_LOGGER).flush(() => resolve()));
    process.stderr.write(
      `\nAdmin token for Swagger's Authorize button (development secret, valid 8 h):\n${signToken(config.auth, 1, 'admin')}\n` +
        'More: npm run token -- --sub 42 --role editor\n\n',
    );
  }
}

bootstrap().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    console.error('The service could not start:', err);
  }
  process.exit(1);
});
