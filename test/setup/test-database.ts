import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataSource, type MigrationInterface } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { parseDatabaseUrl, type DatabaseTarget } from '../../src/database/database-url';

export type TestDatabaseKind = 'sqlite' | 'mariadb';

/** A migration class, as TypeORM's `migrations` option lists them. */
export type MigrationClass = new () => MigrationInterface;

/** Test databases are named test_*, and nothing else is ever created or dropped here. */
const TEST_NAME = /^test_[a-z0-9_]+$/;

export function assertTestDatabaseName(name: string): void {
  if (!TEST_NAME.test(name)) {
    throw new Error(
      `Refusing to touch database "${name}": test databases are named test_<something>`,
    );
  }
}

export interface TestDatabase {
  kind: TestDatabaseKind;
  name: string;
  url: string;
  target: DatabaseTarget;
  /**
   * A data source on the test database with the migrations loaded but not run: the service's
   * (migrations/index.ts), then `extra` (a fixture's tables).
   */
  connect(extra?: readonly MigrationClass[]): Promise<DataSource>;
  drop(): Promise<void>;
}

export function testDatabaseKind(): TestDatabaseKind {
  const kind = process.env.TEST_DATABASE_KIND ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'mariadb')
    throw new Error(`unknown TEST_DATABASE_KIND ${kind}`);
  return kind;
}

/** The server URL for test databases (its database part is only used to connect for CREATE/DROP). */
export function mariadbAdminUrl(): string {
  return process.env.TEST_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test';
}

/** Creates a fresh, empty database of the suite's kind; drop() removes it. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `test_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${process.pid}_${randomBytes(3).toString('hex')}`;
  assertTestDatabaseName(name);
  const kind = testDatabaseKind();
  if (kind === 'sqlite') {
    const dir = join(__dirname, '..', '..', 'data', 'test');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.sqlite`);
    const url = `sqlite:${file}`;
    return {
      kind,
      name,
      url,
      target: parseDatabaseUrl(url),
      connect: (extra) => connect(url, extra),
      drop: () => {
        assertTestDatabaseName(basename(file, '.sqlite'));
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
        return Promise.resolve();
      },
    };
  }
  const admin = new URL(mariadbAdminUrl());
  await adminQuery(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  admin.pathname = `/${name}`;
  const url = admin.toString();
  return {
    kind,
    name,
    url,
    target: parseDatabaseUrl(url),
    connect: (extra) => connect(url, extra),
    drop: async () => {
      assertTestDatabaseName(name);
      await adminQuery(`DROP DATABASE IF EXISTS \`${name}\``);
    },
  };
}

async function connect(url: string, extra: readonly MigrationClass[] = []): Promise<DataSource> {
  const options = buildDataSourceOptions(parseDatabaseUrl(url), { poolSize: 5 });
  const dataSource = new DataSource({ ...options, migrations: [...MIGRATIONS, ...extra] });
  return dataSource.initialize();
}

async function adminQuery(sql: string): Promise<void> {
  const dataSource = await connect(mariadbAdminUrl());
  try {
    await dataSource.query(sql);
  } finally {
    await dataSource.destroy();
  }
}
