import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../app.module';
import { APP_OPTIONS, configureApp, createHttpAdapter, DOCS_PATH } from '../app.setup';
import { loadConfig } from '../config/app-config';

/**
 * `npm run openapi -- <file>`: writes the OpenAPI document the service serves at /docs-json,
 * from the built application (the Swagger plugin's metadata is in the build) on a throw-away
 * SQLite database, without listening on a port. `npm run lint` lints it with Redocly and Spectral.
 */
async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: npm run openapi -- <file.json>');
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  try {
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'openapi.sqlite')}`,
      DB_CONNECT_RETRIES: '0',
      LOG_LEVEL: 'silent',
      DOCS: 'public',
    });
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot(config),
      createHttpAdapter(config),
      { ...APP_OPTIONS, logger: false },
    );
    try {
      configureApp(app, config);
      await app.init();
      const fastify = app.getHttpAdapter().getInstance();
      await fastify.ready();
      const res = await fastify.inject({ method: 'GET', url: `/${DOCS_PATH}-json` });
      if (res.statusCode !== 200) throw new Error(`/${DOCS_PATH}-json answered ${res.statusCode}`);
      writeFileSync(out, res.body);
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error('npm run openapi:', err instanceof Error ? err.message : err);
  process.exit(1);
});
