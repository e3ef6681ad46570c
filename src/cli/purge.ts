// first: stops an unsupported Node.js with one line, before anything loads better-sqlite3
import '../../scripts/check-node';
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { PurgeService } from '../admin/purge.service';
import { AppModule } from '../app.module';
import { loadConfig } from '../config/app-config';

/**
 * npm run purge -- --older-than 30d [--dry-run]: retention, from the command line, in every
 * organization; reports `{ dryRun, deletedBefore, organizations: { "<id>": counts } }`.
 */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { values } = parseArgs({
    options: { 'older-than': { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
  });
  if (!values['older-than'])
    throw new Error('usage: npm run purge -- --older-than 30d [--dry-run]');
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(loadConfig()), {
    logger: ['error', 'warn'],
  });
  try {
    const report = await app.get(PurgeService).purgeAll(values['older-than'], values['dry-run']);
    console.log(JSON.stringify(report));
  } finally {
    await app.close();
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
