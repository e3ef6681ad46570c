import { createTodo, createWorkflow } from './setup/fixtures';
import { startTestApp, type TestApp } from './setup/test-app';

const ROUNDS = 5;
const CREATIONS_PER_ROUND = 60;
const RELINKS_PER_ROUND = 10;

/**
 * MariaDB only: SQLite runs one transaction at a time, so there is nothing to interleave.
 * Many children are linked to a workflow while it is being soft-deleted; whatever the
 * interleaving, no active child may end up linked to the deleted workflow.
 */
describe('Linking racing a cascading soft delete on MariaDB (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('race', { DB_POOL_SIZE: '20' });
  });

  afterAll(async () => {
    await t?.close();
  });

  it(`leaves no active child under a deleted workflow after ${ROUNDS} rounds of ${CREATIONS_PER_ROUND} creations and ${RELINKS_PER_ROUND} relinks racing the delete`, async () => {
    const outcomes: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const workflow = await createWorkflow(t.http, { name: `race ${round}` });
      const loose = [];
      for (let i = 0; i < RELINKS_PER_ROUND; i++)
        loose.push(await createTodo(t.http, { title: `loose ${round}.${i}` }));

      const link = (i: number) =>
        i % 2 === 0
          ? t.http
              .post('/todos')
              .send({ title: `race ${round}.${i}`, ownerId: 1, workflowId: workflow.id })
          : t.http.post('/interviews').send({
              title: `race ${round}.${i}`,
              candidateId: 1,
              recruiterId: 2,
              workflowId: workflow.id,
            });
      const requests: Array<Promise<{ status: number; body: Record<string, unknown> }>> = [];
      for (let i = 0; i < CREATIONS_PER_ROUND; i++) {
        requests.push(link(i).then((r) => r));
        if (i === Math.floor(CREATIONS_PER_ROUND / 3)) {
          requests.push(t.http.delete(`/workflows/${workflow.id}`).then((r) => r));
        }
        if (i < RELINKS_PER_ROUND) {
          requests.push(
            t.http
              .patch(`/todos/${loose[i].id}`)
              .send({ workflowId: workflow.id })
              .then((r) => r),
          );
        }
      }
      const answers = await Promise.all(requests);

      for (const answer of answers) {
        outcomes[answer.status] = (outcomes[answer.status] ?? 0) + 1;
        expect([200, 201, 422]).toContain(answer.status);
      }
      const deleted = answers.find((a) => a.body.cascaded !== undefined);
      expect(deleted?.status).toBe(200);

      // every link that succeeded was cascaded by the delete: none is active, and the counts agree
      const linked = answers.filter(
        (a) => (a.status === 201 || a.status === 200) && a.body.workflowId === workflow.id,
      );
      const cascaded = deleted?.body.cascaded as { interviews: number; todos: number };
      expect(cascaded.interviews + cascaded.todos).toBe(linked.length);
      const [active] = await t.db.query(
        `SELECT (SELECT COUNT(*) FROM interviews WHERE workflow_id = ? AND is_deleted = 0) +
                (SELECT COUNT(*) FROM todos WHERE workflow_id = ? AND is_deleted = 0) AS n`,
        [workflow.id, workflow.id],
      );
      expect(Number(active.n)).toBe(0);
    }

    // and across everything this suite created
    const [orphans] = await t.db.query(
      `SELECT (SELECT COUNT(*) FROM interviews c JOIN recruitment_processes w ON w.id = c.workflow_id
                WHERE c.is_deleted = 0 AND w.is_deleted = 1) +
              (SELECT COUNT(*) FROM todos c JOIN recruitment_processes w ON w.id = c.workflow_id
                WHERE c.is_deleted = 0 AND w.is_deleted = 1) AS n`,
    );
    expect(Number(orphans.n)).toBe(0);
    console.log(`race outcomes by status over ${ROUNDS} rounds:`, outcomes);
  });
});
