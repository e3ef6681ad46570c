import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { parseDatabaseUrl } from '../../src/database/database-url';
import { runPendingMigrations } from '../../src/database/migrate';
import { freePort, spawnApp, type AppProcess } from './app-process';
import { assertTestDatabaseName } from './test-database';

const BASE = Number(process.env.GALERA_BASE_PORT || 4400);
/** The SQL ports of the shared cluster's three nodes (scripts/galera-cluster.sh). */
export const GALERA_NODES = [1, 2, 3].map((n) => BASE + n);

export const nodeUrl = (port: number, database: string) =>
  `mariadb://root@127.0.0.1:${port}/${database}`;

/** A data source on one node (`poolSize` connections). */
export async function connectNode(url: string, poolSize = 2): Promise<DataSource> {
  return new DataSource(buildDataSourceOptions(parseDatabaseUrl(url), { poolSize })).initialize();
}

/** A fresh database on the shared cluster and one replica of the service per node. */
export interface GaleraReplicas {
  database: string;
  /** One replica per node, in the order of GALERA_NODES. */
  apps: AppProcess[];
  /** A connection to node 1 outside the database (to create and drop it). */
  admin: DataSource;
  stop(): Promise<void>;
}

/**
 * Creates a database `<prefix>_<pid>_<random>` on node 1, applies the migrations as their own
 * deployment step (as a rollout would), and starts one replica per node with
 * MIGRATIONS_RUN=false and `env`. stop() ends the replicas and drops the database.
 */
export async function startGaleraReplicas(
  prefix: string,
  poolSize: number,
  env: NodeJS.ProcessEnv = {},
): Promise<GaleraReplicas> {
  const database = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  assertTestDatabaseName(database);
  const admin = await connectNode(nodeUrl(GALERA_NODES[0], 'mysql'));
  const apps: AppProcess[] = [];
  const stop = async () => {
    await Promise.all(apps.map((app) => app.kill('SIGTERM')));
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.destroy();
  };
  try {
    await admin.query(
      `CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    const migrator = await connectNode(nodeUrl(GALERA_NODES[0], database));
    await runPendingMigrations(migrator);
    await migrator.destroy();
    for (const port of GALERA_NODES) {
      apps.push(
        await spawnApp(
          {
            ...env,
            DATABASE_URL: nodeUrl(port, database),
            MIGRATIONS_RUN: 'false',
            DB_POOL_SIZE: String(poolSize),
          },
          await freePort(),
        ),
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { database, apps, admin, stop };
}
