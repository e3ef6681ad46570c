import type { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { callApp, freePort, spawnApp, type AppProcess } from './setup/app-process';
import { createTestDatabase, type TestDatabase } from './setup/test-database';

const ROUNDS = 6;
const WORKFLOWS = 4;

describe('Two app processes on one MariaDB database (e2e)', () => {
  let database: TestDatabase;
  let db: DataSource;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('two_instances');
    // started at the same moment: both find the migrations pending, one applies them
    const [a, b] = await Promise.all([
      spawnApp({ DATABASE_URL: database.url, DB_POOL_SIZE: '8' }, await freePort()),
      spawnApp({ DATABASE_URL: database.url, DB_POOL_SIZE: '8' }, await freePort()),
    ]);
    apps.push(a, b);
    db = await database.connect();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill('SIGTERM')));
    await db?.destroy();
    await database?.drop();
  });

  it('applied each migration exactly once although both started together', async () => {
    const rows = await db.query('SELECT name, COUNT(*) AS n FROM migrations GROUP BY name');
    expect(rows.length).toBe(MIGRATIONS.length);
    for (const row of rows) expect(Number(row.n)).toBe(1);
  });

  it('keeps every invariant under concurrent deletes, restores, creations and re-links through both', async () => {
    const statuses: Record<string, number> = {};
    const unexpected: string[] = [];
    const workflows: number[] = [];
    for (let i = 0; i < WORKFLOWS; i++) {
      workflows.push(
        Number((await callApp(apps[i % 2], 'POST', '/workflows', { name: `shared ${i}` })).body.id),
      );
    }
    const loose: number[] = [];
    for (let i = 0; i < 20; i++) {
      loose.push(
        Number(
          (await callApp(apps[i % 2], 'POST', '/todos', { title: `loose ${i}`, ownerId: 1 })).body
            .id,
        ),
      );
    }

    const expected: Record<string, number[]> = {
      create: [201, 422],
      relink: [200, 404, 422],
      delete: [200, 404],
      restore: [200, 404, 409],
    };
    for (let round = 0; round < ROUNDS; round++) {
      const ops: Array<Promise<void>> = [];
      let n = 0;
      const op = (kind: string, method: string, path: string, body?: object) => {
        const app = apps[n++ % 2];
        ops.push(
          callApp(app, method, path, body).then((res) => {
            statuses[`${kind} ${res.status}`] = (statuses[`${kind} ${res.status}`] ?? 0) + 1;
            if (!expected[kind].includes(res.status))
              unexpected.push(`${kind} ${method} ${path} -> ${res.status}`);
          }),
        );
      };
      for (const [w, workflowId] of workflows.entries()) {
        for (let i = 0; i < 6; i++) {
          op(
            'create',
            'POST',
            i % 2 ? '/todos' : '/interviews',
            i % 2
              ? { title: `r${round}`, ownerId: 1, workflowId }
              : { title: `r${round}`, candidateId: 1, recruiterId: 2, workflowId },
          );
        }
        op('relink', 'PATCH', `/todos/${loose[(round * WORKFLOWS + w) % loose.length]}`, {
          workflowId,
        });
        op(
          round % 2 === 0 ? 'delete' : 'restore',
          round % 2 === 0 ? 'DELETE' : 'POST',
          round % 2 === 0 ? `/workflows/${workflowId}` : `/workflows/${workflowId}/restore`,
        );
        op('create', 'POST', '/todos', { title: `r${round} late`, ownerId: 1, workflowId });
      }
      await Promise.all(ops);
    }

    expect(unexpected).toEqual([]);
    const [broken] = await db.query(
      `SELECT
         (SELECT COUNT(*) FROM interviews c JOIN recruitment_processes w ON w.id = c.workflow_id WHERE c.is_deleted = 0 AND w.is_deleted = 1) AS activeInterviewsUnderDeleted,
         (SELECT COUNT(*) FROM todos c JOIN recruitment_processes w ON w.id = c.workflow_id WHERE c.is_deleted = 0 AND w.is_deleted = 1) AS activeTodosUnderDeleted,
         (SELECT COUNT(*) FROM recruitment_processes WHERE (is_deleted = 1) <> (deleted_at IS NOT NULL)) AS workflowsWithMismatchedColumns,
         (SELECT COUNT(*) FROM interviews WHERE (is_deleted = 1) <> (deleted_at IS NOT NULL)) AS interviewsWithMismatchedColumns,
         (SELECT COUNT(*) FROM todos WHERE (is_deleted = 1) <> (deleted_at IS NOT NULL)) AS todosWithMismatchedColumns`,
    );
    expect(Object.fromEntries(Object.entries(broken).map(([k, v]) => [k, Number(v)]))).toEqual({
      activeInterviewsUnderDeleted: 0,
      activeTodosUnderDeleted: 0,
      workflowsWithMismatchedColumns: 0,
      interviewsWithMismatchedColumns: 0,
      todosWithMismatchedColumns: 0,
    });
    console.log(`two instances, ${ROUNDS} rounds: answers by operation and status`, statuses);
  });
});
