// first: stops an unsupported Node.js with one line, before anything loads better-sqlite3
import '../../scripts/check-node';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options';
import { parseDatabaseUrl } from './database-url';

/** The data source of the TypeORM CLI (npm run migration:run | migration:revert | migration:show). */
export default new DataSource(buildDataSourceOptions(parseDatabaseUrl(process.env.DATABASE_URL)));
