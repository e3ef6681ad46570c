import { DataSource } from 'typeorm';
import { callApp, type AppProcess } from './setup/app-process';
import { startGaleraReplicas, type GaleraReplicas } from './setup/galera-replicas';

/** Writers per replica: 21 in all, on three nodes at once. */
const WRITERS = 7;
const ROUNDS = 4;

/** A read on node 1 that first waits for every writeset the cluster committed (wsrep_sync_wait). */
async function causalRead<R>(db: DataSource, sql: string): Promise<R[]> {
  const runner = db.createQueryRunner();
  try {
    await runner.query('SET SESSION wsrep_sync_wait = 1');
    return (await runner.query(sql)) as R[];
  } finally {
    await runner.query('SET SESSION wsrep_sync_wait = 0');
    await runner.release();
  }
}

/**
 * The change feed on a 3-node Galera cluster: every node hands out event ids interleaved
 * (auto_increment_increment = 3), and a writeset of another node becomes visible on the feed's
 * node only once applied there. With the default settle window (EVENTS_SETTLE_MS, 1 s), larger
 * than the cluster's apply lag on this machine, a consumer polling one node while writers on all
 * three commit is served every event, once, in id order (README, "Consuming changes", says what
 * holds and under which condition).
 */
describe('The change feed on a 3-node Galera cluster (e2e)', () => {
  let replicas: GaleraReplicas;
  let database: string;
  let apps: AppProcess[];
  let admin: DataSource;

  beforeAll(async () => {
    replicas = await startGaleraReplicas('test_galera_feed', 10);
    ({ database, apps, admin } = replicas);
  }, 180_000);

  afterAll(async () => {
    await replicas?.stop();
  });

  it('serves a consumer polling node 1 every event of writers on all three nodes, once, in id order', async () => {
    let writing = true;
    const served: string[] = [];
    const consumer = (async () => {
      let after = '0';
      for (;;) {
        const wasWriting = writing;
        const res = await callApp(apps[0], 'GET', `/events?after=${after}&limit=100`);
        expect(res.status).toBe(200);
        const items = res.body.items as Array<{ id: string }>;
        for (const event of items) served.push(event.id);
        after = String(res.body.nextAfter);
        if (items.length > 0) continue;
        if (!wasWriting) {
          const [{ last }] = await causalRead<{ last: number }>(
            admin,
            `SELECT MAX(id) AS last FROM \`${database}\`.outbox_events`,
          );
          if (String(last) === after) return;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const writer = async (app: AppProcess, n: number) => {
      for (let round = 0; round < ROUNDS; round++) {
        const workflow = await callApp(app, 'POST', '/workflows', { name: `g${n}.${round}` });
        expect(workflow.status).toBe(201);
        const todo = await callApp(app, 'POST', '/todos', {
          title: `t${n}.${round}`,
          ownerId: 1,
          workflowId: workflow.body.id,
        });
        expect(todo.status).toBe(201);
        const deleted = await callApp(app, 'DELETE', `/workflows/${String(workflow.body.id)}`);
        expect(deleted.status).toBe(200);
      }
    };
    try {
      await Promise.all(
        apps.flatMap((app, node) =>
          Array.from({ length: WRITERS }, (_, n) => writer(app, node * WRITERS + n)),
        ),
      );
    } finally {
      writing = false;
    }
    await consumer;

    const table = (
      await causalRead<{ id: number | string }>(
        admin,
        `SELECT id FROM \`${database}\`.outbox_events ORDER BY id`,
      )
    ).map((row) => String(row.id));
    // per writer and round: the workflow, the todo, the deletion and the workflow's delete
    expect(table).toHaveLength(3 * WRITERS * ROUNDS * 4);
    expect(served).toEqual(table);
  });
});
