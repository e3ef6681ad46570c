import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app-config';
import { Database } from '../common/persistence/database.service';
import { SQL_DIALECT, SqlDialect } from '../common/persistence/sql-dialect';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options';
import { refuseSchemaBehind, refuseWrongServer, runPendingMigrations } from './migrate';
import { isTransientConnectionError } from './wait-for-database';

/**
 * One DataSource (MariaDB/MySQL or SQLite, from DATABASE_URL), the transaction plumbing, and
 * the Database service every repository uses. Applies pending migrations at start unless
 * MIGRATIONS_RUN=false.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...buildDataSourceOptions(config.database, {
              poolSize: config.poolSize,
              sqliteSynchronous: config.sqliteSynchronous,
              sqliteMmapSize: config.sqliteMmapSize,
            }),
            // each module registers its entities (TypeOrmModule.forFeature)
            entities: [],
            autoLoadEntities: true,
            // main.ts waited for the database already (src/database/wait-for-database.ts); a
            // connection lost in between is retried, nothing else (a failed migration is not)
            retryAttempts: config.connectRetries,
            retryDelay: 2000,
            toRetry: isTransientConnectionError,
          }),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            try {
              await refuseWrongServer(dataSource);
              if (config.runMigrations) await runPendingMigrations(dataSource);
              else await refuseSchemaBehind(dataSource);
            } catch (err) {
              await dataSource.destroy();
              throw err;
            }
            return dataSource;
          },
        }),
      ],
      providers: [
        { provide: SQL_DIALECT, useValue: new SqlDialect(config.database.kind) },
        Database,
      ],
      exports: [Database, SQL_DIALECT],
    };
  }
}
