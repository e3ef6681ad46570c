import { createTodo, createWorkflow } from './setup/fixtures';
import { startTestApp, type TestApp } from './setup/test-app';
import type TestAgent from 'supertest/lib/agent';

const ROUNDS = 5;
/** Per round, in all: each organization makes its share, at the same time as the other. */
const CREATIONS_PER_ROUND = 60;
const RELINKS_PER_ROUND = 10;
const ORGANIZATIONS = [1, 2];
const CREATIONS = CREATIONS_PER_ROUND / ORGANIZATIONS.length;
const RELINKS = RELINKS_PER_ROUND / ORGANIZATIONS.length;

/**
 * MariaDB only: SQLite runs one transaction at a time, so there is nothing to interleave.
 * Many children are linked to a workflow while it is being soft-deleted; whatever the
 * interleaving, no active child may end up linked to the deleted workflow. Two organizations
 * race at once, each on its own workflows, and each keeps the invariant on its own.
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
    /** One round in one organization: its links, relinks and delete race each other. */
    const race = async (http: TestAgent, organizationId: number, round: number) => {
      const workflow = await createWorkflow(http, { name: `race ${round}` });
      const loose = [];
      for (let i = 0; i < RELINKS; i++)
        loose.push(await createTodo(http, { title: `loose ${round}.${i}` }));

      const link = (i: number) =>
        i % 2 === 0
          ? http
              .post('/todos')
              .send({ title: `race ${round}.${i}`, ownerId: 1, workflowId: workflow.id })
          : http.post('/interviews').send({
              title: `race ${round}.${i}`,
              candidateId: 1,
              recruiterId: 2,
              workflowId: workflow.id,
            });
      const requests: Array<Promise<{ status: number; body: Record<string, unknown> }>> = [];
      for (let i = 0; i < CREATIONS; i++) {
        requests.push(link(i).then((r) => r));
        if (i === Math.floor(CREATIONS / 3)) {
          requests.push(http.delete(`/workflows/${workflow.id}`).then((r) => r));
        }
        if (i < RELINKS) {
          requests.push(
            http
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
      // every row of the round is of the organization that made it
      const [strays] = await t.db.query(
        `SELECT (SELECT COUNT(*) FROM interviews WHERE workflow_id = ? AND organization_id <> ?) +
                (SELECT COUNT(*) FROM todos WHERE workflow_id = ? AND organization_id <> ?) AS n`,
        [workflow.id, organizationId, workflow.id, organizationId],
      );
      expect(Number(strays.n)).toBe(0);
    };
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(
        ORGANIZATIONS.map((organizationId) => race(t.as(organizationId), organizationId, round)),
      );
    }

    // and across everything this suite created
    for (const organizationId of ORGANIZATIONS) {
      const [orphans] = await t.db.query(
        `SELECT (SELECT COUNT(*) FROM interviews c JOIN recruitment_processes w ON w.id = c.workflow_id
                  WHERE c.organization_id = ? AND c.is_deleted = 0 AND w.is_deleted = 1) +
                (SELECT COUNT(*) FROM todos c JOIN recruitment_processes w ON w.id = c.workflow_id
                  WHERE c.organization_id = ? AND c.is_deleted = 0 AND w.is_deleted = 1) AS n`,
        [organizationId, organizationId],
      );
      expect([organizationId, Number(orphans.n)]).toEqual([organizationId, 0]);
    }
    const [crossed] = await t.db.query(
      `SELECT (SELECT COUNT(*) FROM interviews c JOIN recruitment_processes w ON w.id = c.workflow_id
                WHERE c.organization_id <> w.organization_id) +
              (SELECT COUNT(*) FROM todos c JOIN recruitment_processes w ON w.id = c.workflow_id
                WHERE c.organization_id <> w.organization_id) AS n`,
    );
    expect(Number(crossed.n)).toBe(0);
    console.log(
      `race outcomes by status over ${ROUNDS} rounds in ${ORGANIZATIONS.length} organizations at once:`,
      outcomes,
    );
  });
});
