import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { parseDatabaseUrl } from '../src/database/database-url';
import { runPendingMigrations } from '../src/database/migrate';
import { freePort, spawnApp, type AppProcess } from './setup/app-process';
import { adminHeaders } from './setup/auth';
import { expectOneEffect, raceOneRequest } from './setup/idempotent-race';
import { assertTestDatabaseName } from './setup/test-database';

const BASE = Number(process.env.GALERA_BASE_PORT || 4400);
const NODES = [1, 2, 3].map((n) => BASE + n);

const nodeUrl = (port: number, database: string) => `mariadb://root@127.0.0.1:${port}/${database}`;

async function connect(url: string, poolSize = 2): Promise<DataSource> {
  return new DataSource(buildDataSourceOptions(parseDatabaseUrl(url), { poolSize })).initialize();
}

/**
 * Three replicas, one per node of the Galera cluster (scripts/galera-cluster.sh). Copies of one
 * request inserting one key on two nodes both succeed locally; certification aborts one at commit
 * (1213), Database.transaction runs it again, and it then finds the key: one effect.
 */
describe('Idempotency-Key across three replicas on a 3-node Galera cluster (e2e)', () => {
  const database = `test_galera_idem_${process.pid}_${randomBytes(3).toString('hex')}`;
  const apps: AppProcess[] = [];
  let admin: DataSource;
  const nodes: DataSource[] = [];

  beforeAll(async () => {
    assertTestDatabaseName(database);
    admin = await connect(nodeUrl(NODES[0], 'mysql'));
    await admin.query(
      `CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    const migrator = await connect(nodeUrl(NODES[0], database));
    await runPendingMigrations(migrator);
    await migrator.destroy();
    for (const port of NODES) {
      // one connection, so that its wsrep_sync_wait holds for every read of the test
      nodes.push(await connect(nodeUrl(port, database), 1));
      apps.push(
        await spawnApp(
          { DATABASE_URL: nodeUrl(port, database), MIGRATIONS_RUN: 'false', DB_POOL_SIZE: '8' },
          await freePort(),
        ),
      );
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill('SIGTERM')));
    await Promise.all(nodes.map((node) => node.destroy()));
    await admin?.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin?.destroy();
  });

  it('ten copies of one POST through three replicas, one per node, create one workflow, as every node sees', async () => {
    for (let round = 0; round < 5; round++) {
      const name = `galera raced create ${round}`;
      const answers = await raceOneRequest(apps, 'POST', '/workflows', { name });
      expectOneEffect(answers, 201);
      for (const node of nodes) {
        // wsrep_sync_wait: the read waits until the node has applied what the cluster committed
        await node.query('SET SESSION wsrep_sync_wait = 1');
        const rows = await node.query(
          'SELECT COUNT(*) AS n FROM recruitment_processes WHERE name = ?',
          [name],
        );
        expect(Number(rows[0].n)).toBe(1);
      }
    }
  });

  it('ten copies of one linked POST /todos through three replicas create one todo', async () => {
    const created = await fetch(`${apps[0].url}/workflows`, {
      method: 'POST',
      headers: adminHeaders({ 'content-type': 'application/json' }),
      body: JSON.stringify({ name: 'galera parent' }),
    });
    const workflowId = Number(((await created.json()) as { id: number }).id);
    const answers = await raceOneRequest(apps, 'POST', '/todos', {
      title: 'galera raced todo',
      ownerId: 1,
      workflowId,
    });
    expectOneEffect(answers, 201);
    await nodes[1].query('SET SESSION wsrep_sync_wait = 1');
    const rows = await nodes[1].query('SELECT COUNT(*) AS n FROM todos WHERE title = ?', [
      'galera raced todo',
    ]);
    expect(Number(rows[0].n)).toBe(1);
  });
});
