import { DataSource } from 'typeorm';
import { type AppProcess } from './setup/app-process';
import { adminHeaders } from './setup/auth';
import { expectOneEffect, raceOneRequest } from './setup/idempotent-race';
import {
  connectNode,
  GALERA_NODES,
  nodeUrl,
  startGaleraReplicas,
  type GaleraReplicas,
} from './setup/galera-replicas';

/**
 * Three replicas, one per node of the Galera cluster (scripts/galera-cluster.sh). Copies of one
 * request inserting one key on two nodes both succeed locally; certification aborts one at commit
 * (1213), Database.transaction runs it again, and it then finds the key: one effect.
 */
describe('Idempotency-Key across three replicas on a 3-node Galera cluster (e2e)', () => {
  let replicas: GaleraReplicas;
  let apps: AppProcess[];
  const nodes: DataSource[] = [];

  beforeAll(async () => {
    replicas = await startGaleraReplicas('test_galera_idem', 8);
    apps = replicas.apps;
    for (const port of GALERA_NODES) {
      // one connection, so that its wsrep_sync_wait holds for every read of the test
      nodes.push(await connectNode(nodeUrl(port, replicas.database), 1));
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.destroy()));
    await replicas?.stop();
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
