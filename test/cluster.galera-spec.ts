import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { callApp, freePort, spawnApp, type AppProcess } from './setup/app-process';
import {
  connectNode,
  GALERA_NODES,
  nodeUrl,
  startGaleraReplicas,
  type GaleraReplicas,
} from './setup/galera-replicas';

const ROUNDS = 20;
/** Both race at once, each on its own workflows. */
const ORGANIZATIONS = [1, 2];

/**
 * Three replicas, one per node of a 3-node Galera cluster (scripts/galera-cluster.sh), racing
 * links, re-links, deletes and restores on shared workflows. Row locks are local to a node;
 * what keeps the invariants is that a link writes the workflow row (so it conflicts at
 * certification with a delete on any node) and that every write transaction is re-run whole
 * when it loses.
 */
describe('Three replicas on a 3-node Galera cluster (e2e)', () => {
  let replicas: GaleraReplicas;
  let database: string;
  let apps: AppProcess[];
  let admin: DataSource;

  beforeAll(async () => {
    // migrations as their own deployment step; replicas start with MIGRATIONS_RUN=false
    replicas = await startGaleraReplicas('test_galera', 8);
    ({ database, apps, admin } = replicas);
  }, 180_000);

  afterAll(async () => {
    await replicas?.stop();
  });

  it('refuses to start a replica on a schema that is behind', async () => {
    const behind = `test_galera_behind_${randomBytes(3).toString('hex')}`;
    await admin.query(`CREATE DATABASE \`${behind}\` CHARACTER SET utf8mb4`);
    try {
      await expect(
        spawnApp(
          {
            DATABASE_URL: nodeUrl(GALERA_NODES[1], behind),
            MIGRATIONS_RUN: 'false',
            DB_CONNECT_RETRIES: '0',
          },
          await freePort(),
        ),
      ).rejects.toThrow(/schema is behind/);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS \`${behind}\``);
    }
  });

  it(`keeps every invariant on every node through ${ROUNDS} rounds of links racing deletes and restores, without a 5xx`, async () => {
    const statuses: Record<string, number> = {};
    const unexpected: string[] = [];
    const expected: Record<string, number[]> = {
      link: [201, 422],
      relink: [200, 422],
      delete: [200, 404],
      restore: [200, 404, 409],
      // a todo's own deletion, restored while its workflow is deleted (409) or not (200)
      restoreRow: [200, 409],
    };
    let requests = 0;
    /** Every racing request, to show the history of a workflow whose invariant fails. */
    const history: Array<{ workflow: number; line: string }> = [];
    const started = Date.now();
    const race = async (round: number, org: number) => {
      const call = (app: AppProcess, method: string, path: string, body?: object) =>
        callApp(app, method, path, body, org);
      const workflowId = Number(
        (await call(apps[round % 3], 'POST', '/workflows', { name: `cluster ${round}` })).body.id,
      );
      const loose: number[] = [];
      for (let i = 0; i < 3; i++) {
        loose.push(
          Number(
            (await call(apps[i], 'POST', '/todos', { title: `loose ${round}.${i}`, ownerId: 1 }))
              .body.id,
          ),
        );
      }
      // a todo of the workflow deleted on its own: its deletion's restore races the rest
      const own = Number(
        (
          await call(apps[(round + 2) % 3], 'POST', '/todos', {
            title: `own ${round}`,
            ownerId: 1,
            workflowId,
          })
        ).body.id,
      );
      const ownDeletion = Number(
        (await call(apps[(round + 2) % 3], 'DELETE', `/todos/${own}`)).body.deletionId,
      );
      if (round % 2 === 1) await call(apps[0], 'DELETE', `/workflows/${workflowId}`);

      const ops: Array<Promise<void>> = [];
      const op = (kind: string, app: AppProcess, method: string, path: string, body?: object) => {
        const sent = Date.now() - started;
        ops.push(
          call(app, method, path, body).then((res) => {
            requests++;
            history.push({
              workflow: workflowId,
              line: `${sent}-${Date.now() - started} ms replica ${apps.indexOf(app) + 1}: ${kind} ${method} ${path} ${JSON.stringify(body ?? {})} -> ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`,
            });
            statuses[`${kind} ${res.status}`] = (statuses[`${kind} ${res.status}`] ?? 0) + 1;
            if (!expected[kind].includes(res.status))
              unexpected.push(
                `org ${org}: ${kind} ${method} ${path} -> ${res.status} ${JSON.stringify(res.body)}`,
              );
          }),
        );
      };
      for (let i = 0; i < 9; i++) {
        op(
          'link',
          apps[i % 3],
          'POST',
          i % 2 ? '/todos' : '/interviews',
          i % 2
            ? { title: `r${round}.${i}`, ownerId: 1, workflowId }
            : { title: `r${round}.${i}`, candidateId: 1, recruiterId: 2, workflowId },
        );
        if (i === 3) {
          // even rounds race a delete of an active workflow, odd rounds a restore of a deleted one
          if (round % 2 === 0)
            op('delete', apps[(round + 1) % 3], 'DELETE', `/workflows/${workflowId}`);
          else op('restore', apps[(round + 1) % 3], 'POST', `/workflows/${workflowId}/restore`);
        }
        if (i === 5) {
          op('restoreRow', apps[(round + 2) % 3], 'POST', `/deletions/${ownDeletion}/restore`);
        }
      }
      loose.forEach((id, i) =>
        op('relink', apps[(i + 2) % 3], 'PATCH', `/todos/${id}`, { workflowId }),
      );
      await Promise.all(ops);
    };
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(ORGANIZATIONS.map((org) => race(round, org)));
    }

    if (unexpected.length > 0) {
      const errors = apps.flatMap((app) =>
        app
          .output()
          .split('\n')
          .filter((line) => /ERROR|Error:/.test(line)),
      );
      console.log(`replica errors (first 10):\n${errors.slice(0, 10).join('\n')}`);
    }
    expect(unexpected).toEqual([]);
    const perNode = [];
    for (const port of GALERA_NODES) {
      const db = await connectNode(nodeUrl(port, database));
      try {
        const [row] = await db.query(
          `SELECT
             (SELECT COUNT(*) FROM interviews c JOIN recruitment_processes w ON w.id = c.workflow_id WHERE c.is_deleted = 0 AND w.is_deleted = 1 AND c.organization_id = 1) +
             (SELECT COUNT(*) FROM todos c JOIN recruitment_processes w ON w.id = c.workflow_id WHERE c.is_deleted = 0 AND w.is_deleted = 1 AND c.organization_id = 1) AS activeUnderDeleted1,
             (SELECT COUNT(*) FROM interviews c JOIN recruitment_processes w ON w.id = c.workflow_id WHERE c.is_deleted = 0 AND w.is_deleted = 1 AND c.organization_id = 2) +
             (SELECT COUNT(*) FROM todos c JOIN recruitment_processes w ON w.id = c.workflow_id WHERE c.is_deleted = 0 AND w.is_deleted = 1 AND c.organization_id = 2) AS activeUnderDeleted2,
             (SELECT COUNT(*) FROM interviews c JOIN recruitment_processes w ON w.id = c.workflow_id WHERE c.organization_id <> w.organization_id) +
             (SELECT COUNT(*) FROM todos c JOIN recruitment_processes w ON w.id = c.workflow_id WHERE c.organization_id <> w.organization_id) AS crossOrganization,
             (SELECT COUNT(*) FROM recruitment_processes WHERE organization_id = 2) AS workflowsOf2,
             (SELECT COUNT(*) FROM recruitment_processes) AS workflows,
             (SELECT COUNT(*) FROM interviews) AS interviews,
             (SELECT COUNT(*) FROM todos) AS todos,
             (SELECT COUNT(*) FROM todos WHERE is_deleted = 1) + (SELECT COUNT(*) FROM interviews WHERE is_deleted = 1) AS deletedChildren,
             (SELECT COUNT(*) FROM recruitment_processes WHERE (is_deleted = 1) <> (deletion_id IS NOT NULL)) +
             (SELECT COUNT(*) FROM interviews WHERE (is_deleted = 1) <> (deletion_id IS NOT NULL)) +
             (SELECT COUNT(*) FROM todos WHERE (is_deleted = 1) <> (deletion_id IS NOT NULL)) AS deletionMismatch,
             (SELECT COUNT(*) FROM deletions WHERE restored_at IS NOT NULL) AS restoredDeletions`,
        );
        perNode.push(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])));
        if (Number(row.activeUnderDeleted1) + Number(row.activeUnderDeleted2) > 0) {
          console.log(`node ${port}: ${await describeActiveUnderDeleted(db, history)}`);
        }
      } finally {
        await db.destroy();
      }
    }
    for (const node of perNode) {
      expect(node).toMatchObject({
        activeUnderDeleted1: 0,
        activeUnderDeleted2: 0,
        crossOrganization: 0,
        deletionMismatch: 0,
      });
      expect(node.workflowsOf2).toBe(ROUNDS);
    }
    expect(perNode[1]).toEqual(perNode[0]);
    expect(perNode[2]).toEqual(perNode[0]);

    const retried = apps.map(
      (app) => (app.output().match(/transaction conflict, attempt/g) ?? []).length,
    );
    const exhausted = apps.map((app) => (app.output().match(/gave up after/g) ?? []).length);
    console.log(
      `galera: ${ROUNDS} rounds in ${ORGANIZATIONS.length} organizations at once, ${requests} racing requests; answers ${JSON.stringify(statuses)}; ` +
        `conflicts retried per replica ${JSON.stringify(retried)}, given up ${JSON.stringify(exhausted)}; ` +
        `rows on each node ${JSON.stringify(perNode)}`,
    );
  });
});

/**
 * For a failed run: each active child of a deleted workflow on this node, with its workflow, the
 * deletions that name either, and every racing request on that workflow in the order they ended.
 */
async function describeActiveUnderDeleted(
  db: DataSource,
  history: Array<{ workflow: number; line: string }>,
): Promise<string> {
  const lines: string[] = [];
  for (const table of ['interviews', 'todos']) {
    const rows: Array<Record<string, unknown>> = await db.query(
      `SELECT c.id, c.organization_id, c.workflow_id, c.version, c.deletion_id, c.created_at, c.updated_at, c.deleted_at,
              w.version AS w_version, w.link_version AS w_link_version, w.deletion_id AS w_deletion_id,
              w.deleted_at AS w_deleted_at, w.updated_at AS w_updated_at
         FROM ${table} c JOIN recruitment_processes w ON w.id = c.workflow_id
        WHERE c.is_deleted = 0 AND w.is_deleted = 1`,
    );
    for (const row of rows) {
      const deletions: unknown[] = await db.query(
        `SELECT id, resource, ids, counts, deleted_at, restored_at FROM deletions
          WHERE id IN (?, ?)`,
        [row.deletion_id ?? 0, row.w_deletion_id ?? 0],
      );
      const workflow = Number(row.workflow_id);
      lines.push(
        `${table} ${JSON.stringify(row)}`,
        `deletions ${JSON.stringify(deletions)}`,
        ...history.filter((h) => h.workflow === workflow).map((h) => `  ${h.line}`),
      );
    }
  }
  return lines.join('\n');
}
