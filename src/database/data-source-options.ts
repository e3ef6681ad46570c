import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';
import type { DatabaseTarget, SqliteSynchronous } from './database-url';

export interface DataSourceTuning {
  /** Connections in the MariaDB/MySQL pool. */
  poolSize?: number;
  /** Seconds a connection attempt may take before the driver gives up. */
  connectTimeoutMs?: number;
  /** Log every SQL statement (debugging). */
  logging?: boolean;
  /** SQLite: `PRAGMA synchronous` of the writing connection (default normal). */
  sqliteSynchronous?: SqliteSynchronous;
  /**
   * SQLite: `PRAGMA mmap_size` of every connection, the bytes of the file read through a memory
   * map rather than read() into each connection's page cache (default 0, off).
   */
  sqliteMmapSize?: number;
}

/**
 * The one place that turns a database target into TypeORM options; the CLI data source,
 * the application and the test setup all come through here.
 */
export function buildDataSourceOptions(
  target: DatabaseTarget,
  tuning: DataSourceTuning = {},
): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    migrationsRun: false,
    logging: tuning.logging ?? false,
  };
  if (target.kind === 'sqlite') {
    // the file holds candidate data: only its owner may read it. SQLite gives the -wal and -shm
    // files the mode of the database file, and better-sqlite3 would create it 0644 (umask 022).
    mkdirSync(dirname(target.file), { recursive: true, mode: 0o700 });
    closeSync(openSync(target.file, 'a', 0o600));
    return {
      ...common,
      type: 'better-sqlite3',
      database: target.file,
      enableWAL: true,
      // set explicitly: left alone, SQLite (as better-sqlite3 builds it) runs FULL on the start
      // that creates the file and NORMAL on every start after, once the file is in WAL mode
      prepareDatabase: (connection: { pragma(source: string): unknown }) => {
        connection.pragma(`synchronous = ${tuning.sqliteSynchronous ?? 'normal'}`);
        connection.pragma(`mmap_size = ${sqliteMmapSizeOf(tuning)}`);
      },
      // busy timeout: another process (the migrations CLI, a second app) may hold the write lock
      timeout: 5000,
    };
  }
  return {
    ...common,
    type: target.kind,
    host: target.host,
    port: target.port,
    username: target.username,
    password: target.password,
    database: target.database,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    // every timestamp crosses the driver as a UTC string; see common/sql-values.ts
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
    connectTimeout: tuning.connectTimeoutMs ?? 2000,
    poolSize: tuning.poolSize ?? 10,
    extra: {
      connectionLimit: tuning.poolSize ?? 10,
      enableKeepAlive: true,
      // the prepared statements a connection keeps (Database.transaction prepares its statements:
      // MysqlStatements); the least recently used one is closed on the server past this, which
      // bounds the server's count (max_prepared_stmt_count, 16,382 by default, is server-wide)
      // to this times the pool's connections. mysql2's default is 16,000.
      maxPreparedStatements: 128,
    },
  };
}

/** The mmap_size pragma's value: a whole number of bytes, 0 (off) unless set. */
function sqliteMmapSizeOf(tuning: DataSourceTuning): number {
  const size = tuning.sqliteMmapSize ?? 0;
  if (!Number.isSafeInteger(size) || size < 0) throw new Error(`not an mmap size: ${size}`);
  return size;
}
