import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { parseDatabaseUrl } from '../src/database/database-url';
import { runPendingMigrations } from '../src/database/migrate';
import { freePort, spawnApp, type AppProcess } from './setup/app-process';
import { adminHeaders } from './setup/auth';
import { expectErrorShape } from './setup/fixtures';
import { PrivateGaleraCluster } from './setup/galera-cluster';
import { assertTestDatabaseName } from './setup/test-database';

const NODES = [1, 2, 3];
const WORKERS_PER_REPLICA = 2;

interface Outcome {
  replica: number;
  op: string;
  start: number;
  end: number;
  /** 0: no answer within 30 s, or the connection failed */
  status: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

type Kind = 'workflows' | 'todos' | 'interviews';

/**
 * A steady mix of creates and links through every replica: new workflows, todos and interviews
 * linked to a workflow, todos re-linked to another. Remembers what each 2xx acknowledged.
 */
class Load {
  readonly outcomes: Outcome[] = [];
  readonly acknowledged: Record<Kind, number[]> = { workflows: [], todos: [], interviews: [] };
  private running = true;
  private readonly workers: Array<Promise<void>> = [];

  constructor(private readonly apps: AppProcess[]) {
    for (const [replica] of apps.entries()) {
      for (let w = 0; w < WORKERS_PER_REPLICA; w++) this.workers.push(this.work(replica, w));
    }
  }

  /** Resolves once `count` more answers matching `filter` have arrived (a progress condition). */
  async more(count: number, filter: (o: Outcome) => boolean = () => true): Promise<void> {
    const target = this.outcomes.filter(filter).length + count;
    const deadline = Date.now() + 90_000;
    while (this.outcomes.filter(filter).length < target) {
      if (Date.now() > deadline) {
        throw new Error(
          `the load stalled: ${JSON.stringify(tally(this.outcomes.slice(-50)))} in the last 50 answers`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  private pick(kind: Kind): number | undefined {
    const ids = this.acknowledged[kind];
    return ids.length ? ids[Math.floor(Math.random() * ids.length)] : undefined;
  }

  private async work(replica: number, worker: number): Promise<void> {
    for (let i = worker; this.running; i++) {
      const workflowId = this.pick('workflows');
      const todoId = this.pick('todos');
      const n = `${replica}.${worker}.${i}`;
      const [op, method, path, body, kind]: [string, string, string, object, Kind?] =
        i % 4 === 0 || workflowId === undefined
          ? ['create', 'POST', '/workflows', { name: `load ${n}` }, 'workflows']
          : i % 4 === 1
            ? ['link', 'POST', '/todos', { title: `t ${n}`, ownerId: 1, workflowId }, 'todos']
            : i % 4 === 2 || todoId === undefined
              ? [
                  'link',
                  'POST',
                  '/interviews',
                  { title: `i ${n}`, candidateId: 1, recruiterId: 2, workflowId },
                  'interviews',
                ]
              : ['relink', 'PATCH', `/todos/${todoId}`, { workflowId }];
      const start = Date.now();
      let outcome: Outcome;
      try {
        const res = await fetch(`${this.apps[replica].url}${path}`, {
          method,
          headers: adminHeaders({ 'content-type': 'application/json' }),
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        const json = (await res.json()) as Record<string, unknown>;
        outcome = {
          replica,
          op,
          start,
          end: Date.now(),
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          body: json,
        };
        if (res.status === 201 && kind) this.acknowledged[kind].push(Number(json.id));
      } catch (err) {
        outcome = {
          replica,
          op,
          start,
          end: Date.now(),
          status: 0,
          retryAfter: null,
          body: { error: String(err) },
        };
      }
      this.outcomes.push(outcome);
      // steady, not flat out: the machine is shared
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes)
    counts[`${o.op} ${o.status}`] = (counts[`${o.op} ${o.status}`] ?? 0) + 1;
  return counts;
}

const serverErrors = (outcomes: Outcome[]) =>
  outcomes
    .filter((o) => o.status === 0 || o.status >= 500)
    .map((o) => `replica${o.replica + 1} ${o.op} -> ${o.status} ${JSON.stringify(o.body)}`);

/**
 * Losing a node of a 3-node Galera cluster under load, on a cluster of this suite's own
 * (scripts/galera-cluster.sh on a free base port): one replica per node, a steady mix of creates
 * and links, one node SIGKILLed and started again, then every node restarted in turn.
 */
describe('Losing a Galera node under load (e2e)', () => {
  const cluster = new PrivateGaleraCluster();
  const database = `test_node_loss_${process.pid}_${randomBytes(3).toString('hex')}`;
  const apps: AppProcess[] = [];

  async function health(
    replica: number,
  ): Promise<{ status: number; retryAfter: string | null; body: unknown }> {
    const res = await fetch(`${apps[replica].url}/health`, { signal: AbortSignal.timeout(5000) });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: await res.json(),
    };
  }

  async function waitForHealth(replica: number, status: number): Promise<void> {
    for (let i = 0; i < 300 && (await health(replica)).status !== status; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await health(replica)).status).toBe(status);
  }

  /** Every acknowledged row on every node, and the cascade's invariants, the same everywhere. */
  async function expectEveryNodeConsistent(load: Load): Promise<object[]> {
    const perNode = [];
    for (const node of NODES) {
      const db = await new DataSource(
        buildDataSourceOptions(parseDatabaseUrl(cluster.url(node, database)), { poolSize: 1 }),
      ).initialize();
      try {
        for (const [kind, table] of [
          ['workflows', 'recruitment_processes'],
          ['todos', 'todos'],
          ['interviews', 'interviews'],
        ] as const) {
          const ids = load.acknowledged[kind];
          const [{ n }] = await db.query(
            `SELECT COUNT(*) AS n FROM ${table} WHERE id IN (${ids.join(',')})`,
          );
          expect([node, kind, Number(n)]).toEqual([node, kind, ids.length]);
        }
        const [row] = await db.query(
          `SELECT
             (SELECT COUNT(*) FROM interviews c JOIN recruitment_processes w ON w.id = c.workflow_id WHERE c.is_deleted = 0 AND w.is_deleted = 1) +
             (SELECT COUNT(*) FROM todos c JOIN recruitment_processes w ON w.id = c.workflow_id WHERE c.is_deleted = 0 AND w.is_deleted = 1) AS activeUnderDeleted,
             (SELECT COUNT(*) FROM recruitment_processes WHERE (is_deleted = 1) <> (deleted_at IS NOT NULL)) +
             (SELECT COUNT(*) FROM interviews WHERE (is_deleted = 1) <> (deleted_at IS NOT NULL)) +
             (SELECT COUNT(*) FROM todos WHERE (is_deleted = 1) <> (deleted_at IS NOT NULL)) AS mismatchedColumns,
             (SELECT COUNT(*) FROM recruitment_processes) AS workflows,
             (SELECT COUNT(*) FROM interviews) AS interviews,
             (SELECT COUNT(*) FROM todos) AS todos,
             (SELECT COALESCE(SUM(workflow_id), 0) FROM todos) AS todoLinks`,
        );
        perNode.push(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])));
      } finally {
        await db.destroy();
      }
    }
    for (const node of perNode)
      expect(node).toMatchObject({ activeUnderDeleted: 0, mismatchedColumns: 0 });
    expect(perNode[1]).toEqual(perNode[0]);
    expect(perNode[2]).toEqual(perNode[0]);
    return perNode;
  }

  beforeAll(async () => {
    assertTestDatabaseName(database);
    await cluster.start();
    await cluster.sql(
      1,
      `CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    // two connections: one holds the migration lock while the other migrates
    const migrator = await new DataSource(
      buildDataSourceOptions(parseDatabaseUrl(cluster.url(1, database)), { poolSize: 2 }),
    ).initialize();
    await runPendingMigrations(migrator);
    await migrator.destroy();
    const ports = [await freePort(), await freePort(), await freePort()];
    apps.push(
      ...(await Promise.all(
        NODES.map((node, i) =>
          spawnApp(
            {
              DATABASE_URL: cluster.url(node, database),
              MIGRATIONS_RUN: 'false',
              DB_POOL_SIZE: '4',
              LOG_LEVEL: 'warn',
            },
            ports[i],
          ),
        ),
      )),
    );
  }, 300_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill('SIGTERM')));
    await cluster.destroy();
  }, 60_000);

  it('SIGKILL of one node: the other replicas answer without a 5xx, the dead node’s replica answers 503 with Retry-After and recovers by itself when the node rejoins; no acknowledged write is lost', async () => {
    const load = new Load(apps);
    try {
      await load.more(60, (o) => o.status === 201);

      const killed = Date.now();
      await cluster.kill(3);
      // the survivors' view changes once they notice the node is gone (gcomm timeouts: seconds)
      while ((await cluster.clusterSize(1)) !== 2) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const noticed = Date.now();
      const down = await health(2);
      expect(down.status).toBe(503);
      expectErrorShape(down.body, 503);
      expect(down.retryAfter).toBe('1');
      await load.more(60, (o) => o.replica < 2 && o.start >= noticed);
      await load.more(10, (o) => o.replica === 2 && o.start >= noticed);

      const restarting = Date.now();
      await cluster.startNode(3);
      await waitForHealth(2, 200);
      const recovered = Date.now();
      await load.more(20, (o) => o.replica === 2 && o.start >= recovered);
      await load.stop();

      const survivors = load.outcomes.filter((o) => o.replica < 2 && o.start >= noticed);
      expect(serverErrors(survivors)).toEqual([]);
      const dead = load.outcomes.filter(
        (o) => o.replica === 2 && o.start >= noticed && o.end <= restarting,
      );
      expect(dead.length).toBeGreaterThan(0);
      for (const o of dead) {
        expect([o.status, o.retryAfter]).toEqual([503, '1']);
        expectErrorShape(o.body, 503);
      }
      const back = load.outcomes.filter((o) => o.replica === 2 && o.start >= recovered);
      expect(serverErrors(back)).toEqual([]);

      const perNode = await expectEveryNodeConsistent(load);
      const detection = load.outcomes.filter(
        (o) => o.replica < 2 && o.end >= killed && o.start < noticed,
      );
      console.log(
        `node loss: cluster noticed after ${noticed - killed} ms; node 3 rejoined in ${recovered - restarting} ms (restart to replica healthy); ` +
          `while noticing, survivors answered ${JSON.stringify(tally(detection))} (slowest ${Math.max(0, ...detection.map((o) => o.end - o.start))} ms); ` +
          `after: survivors ${JSON.stringify(tally(survivors))}, dead node's replica ${JSON.stringify(tally(dead))}, ` +
          `recovered ${JSON.stringify(tally(back))}; acknowledged ${load.acknowledged.workflows.length} workflows, ` +
          `${load.acknowledged.todos.length} todos, ${load.acknowledged.interviews.length} interviews; rows on each node ${JSON.stringify(perNode[0])}`,
      );
    } finally {
      await load.stop();
    }
  }, 300_000);

  it('a rolling restart of the three nodes under load: no 5xx from a replica whose node is up', async () => {
    const load = new Load(apps);
    const downWindows: Array<[number, number]> = [];
    try {
      await load.more(30, (o) => o.status === 201);
      for (const node of NODES) {
        const stopping = Date.now();
        await cluster.stop(node);
        await load.more(10, (o) => o.replica !== node - 1 && o.start > stopping);
        await cluster.startNode(node);
        await waitForHealth(node - 1, 200);
        downWindows[node - 1] = [stopping, Date.now()];
        await load.more(10, (o) => o.replica === node - 1 && o.start > downWindows[node - 1][1]);
      }
      await load.stop();

      // a replica's node is up before its stop began and after the replica was healthy again
      const whileUp = load.outcomes.filter((o) => {
        const [from, to] = downWindows[o.replica];
        return o.end < from || o.start > to;
      });
      const whileDown = load.outcomes.filter((o) => !whileUp.includes(o));
      expect(serverErrors(whileUp)).toEqual([]);
      // answers while its own node was down are 503 with Retry-After or came through before it went
      for (const o of whileDown.filter((x) => x.status >= 500)) {
        expect([o.status, o.retryAfter]).toEqual([503, '1']);
      }
      const perNode = await expectEveryNodeConsistent(load);
      console.log(
        `rolling restart: nodes down (stop to replica healthy) ${downWindows.map(([a, b]) => b - a).join(', ')} ms; ` +
          `answers while the replica's node was up ${JSON.stringify(tally(whileUp))}, while it was down ${JSON.stringify(tally(whileDown))}; rows on each node ${JSON.stringify(perNode[0])}`,
      );
    } finally {
      await load.stop();
    }
  }, 300_000);
});
