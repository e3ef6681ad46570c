import type { DataSource } from 'typeorm';

const LOCK_NAME = 'recruitment_workflows_migrations';
const LOCK_WAIT_SECONDS = 120;

/**
 * Applies pending migrations. On MariaDB/MySQL, under a named server lock, so that replicas
 * started at the same moment apply each migration exactly once: the first takes the lock and
 * migrates, the others wait, then find nothing pending.
 */
export async function runPendingMigrations(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type === 'better-sqlite3') {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const lockHolder = dataSource.createQueryRunner();
  try {
    const [{ acquired }] = (await lockHolder.query('SELECT GET_LOCK(?, ?) AS acquired', [
      LOCK_NAME,
      LOCK_WAIT_SECONDS,
    ])) as Array<{ acquired: number | null }>;
    if (Number(acquired) !== 1) {
      throw new Error(`another process held the migration lock for ${LOCK_WAIT_SECONDS} s`);
    }
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await lockHolder.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
    }
  } finally {
    await lockHolder.release();
  }
}

/**
 * With MIGRATIONS_RUN=false (migrations applied as a deployment step, as on a cluster), a
 * replica must not serve on a schema that is behind its code.
 */
export async function refuseSchemaBehind(dataSource: DataSource): Promise<void> {
  if (await dataSource.showMigrations()) {
    throw new Error(
      'The database schema is behind this version of the service: migrations are pending. ' +
        'Run `npm run migration:run` (or start with MIGRATIONS_RUN=true), then start the service again.',
    );
  }
}

/**
 * `mariadb://` on a MySQL server would fail every write: the MariaDB dialect sends a write's
 * outbox INSERT and its COMMIT as one compound statement (`BEGIN NOT ATOMIC ... END`), which
 * MySQL refuses. Refused at start instead, naming the scheme to use.
 */
export async function refuseWrongServer(
  dataSource: Pick<DataSource, 'options' | 'query'>,
): Promise<void> {
  if (dataSource.options.type !== 'mariadb') return;
  const [{ version }] = await dataSource.query<Array<{ version: string }>>(
    'SELECT VERSION() AS version',
  );
  if (!/mariadb/i.test(version)) {
    throw new Error(
      `DATABASE_URL names a MariaDB server (mariadb://), but the server is ${version}, not MariaDB: ` +
        'use mysql:// for MySQL.',
    );
  }
}
