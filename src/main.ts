import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { APP_OPTIONS, configureApp, createHttpAdapter, DOCS_PATH } from './app.setup';
import { ConfigError, loadConfig } from './config/app-config';
import { closeGracefullyOnSignals } from './shutdown';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    createHttpAdapter(config.bodyLimitBytes),
    APP_OPTIONS,
  );
  configureApp(app);
  closeGracefullyOnSignals(app);
  await app.listen(config.port, config.host);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('0.0.0.0', 'localhost');
  const where =
    config.database.kind === 'sqlite' ? `SQLite ${config.database.file}` : config.databaseUrl;
  Logger.log(
    `Serving on ${url} (database: ${where}); Swagger UI at ${url}/${DOCS_PATH}`,
    'Bootstrap',
  );
}

bootstrap().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    console.error('The service could not start:', err);
  }
  process.exit(1);
});
