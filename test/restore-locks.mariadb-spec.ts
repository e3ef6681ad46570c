import type { QueryRunner } from 'typeorm';
import { createTodo, createWorkflow, expectErrorShape } from './setup/fixtures';
import { startTestApp, type TestApp } from './setup/test-app';

/**
 * MariaDB only (SQLite has no row locks): the restore of a deletion of rows of a linked kind
 * reads and locks the workflows those rows link to, and no other. Workflows it has nothing to do
 * with, of its organization and of another, held locked by a transaction that stays open, do not
 * hold it up, whether it restores (200) or is refused because its workflow is deleted (409). The
 * restore used to read the workflows with a locking read, all of the organization's or all of
 * the table's (an UPDATE whose IN subquery MariaDB ran once per workflow), and so waited for
 * any of them locked by another transaction (here until innodb_lock_wait_timeout, 50 s).
 */
describe('The restore of a todo deletion beside locked workflows it has nothing to do with, on MariaDB (e2e)', () => {
  let t: TestApp;
  let holder: QueryRunner | undefined;

  beforeAll(async () => {
    t = await startTestApp('restore_locks');
    // enough workflows in both organizations for MariaDB to plan by the indexes, as it would in
    // production (on a handful of rows it scans a table whatever its indexes)
    await t.db.query(
      `INSERT INTO recruitment_processes (name, status, organization_id) SELECT CONCAT('w', seq), 'draft', 1 + seq % 2 FROM seq_1_to_2000`,
    );
    await t.db.query('ANALYZE TABLE recruitment_processes, todos');
  });

  afterEach(async () => {
    if (holder?.isTransactionActive) await holder.rollbackTransaction();
    await holder?.release();
    holder = undefined;
  });

  afterAll(async () => {
    await t?.close();
  });

  /**
   * Two workflows the restore has nothing to do with, one of its organization and one of
   * another, locked by a transaction left open until the test ends; their ETags as created.
   */
  async function lockUnrelatedWorkflows(): Promise<
    Array<{ id: number; etag: string; org: number }>
  > {
    const unrelated = [];
    for (const org of [1, 2]) {
      const res = await t.as(org).post('/workflows').send({ name: 'locked meanwhile' }).expect(201);
      unrelated.push({ id: res.body.id as number, etag: res.headers.etag, org });
    }
    holder = t.db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await holder.query('SELECT id FROM recruitment_processes WHERE id IN (?, ?) FOR UPDATE', [
      unrelated[0].id,
      unrelated[1].id,
    ]);
    return unrelated;
  }

  it('restores a todo deletion at once, its workflow written and no other', async () => {
    const workflow = await createWorkflow(t.http, { name: 'restored into' });
    const todo = await createTodo(t.http, { title: 'deleted alone', workflowId: workflow.id });
    const deleted = await t.http.delete(`/todos/${todo.id}`).expect(200);
    const unrelated = await lockUnrelatedWorkflows();
    const [before] = await t.db.query(
      'SELECT version FROM recruitment_processes WHERE id = ? AND organization_id = 1',
      [workflow.id],
    );

    const res = await t.http.post(`/deletions/${deleted.body.deletionId}/restore`);

    expect(res.status).toBe(200);
    expect(res.body.restored).toMatchObject({ todos: 1 });
    const again = await t.http.get(`/todos/${todo.id}`).expect(200);
    expect(again.body).toMatchObject({ isDeleted: false, workflowId: workflow.id });
    // its workflow was written (a delete of it on another node conflicts with the restore);
    // the unrelated ones were not
    const [after] = await t.db.query(
      'SELECT version FROM recruitment_processes WHERE id = ? AND organization_id = 1',
      [workflow.id],
    );
    expect(Number(after.version)).toBe(Number(before.version) + 1);
    for (const { id, etag, org } of unrelated) {
      const res = await t.as(org).get(`/workflows/${id}`).expect(200);
      expect(res.headers.etag).toBe(etag);
    }
  });

  it('refuses at once (409) the restore of a todo deletion whose workflow is deleted', async () => {
    const workflow = await createWorkflow(t.http, { name: 'deleted after' });
    const todo = await createTodo(t.http, { title: 'deleted first', workflowId: workflow.id });
    const deleted = await t.http.delete(`/todos/${todo.id}`).expect(200);
    const workflowDeleted = await t.http.delete(`/workflows/${workflow.id}`).expect(200);
    await lockUnrelatedWorkflows();

    const res = await t.http.post(`/deletions/${deleted.body.deletionId}/restore`);

    expect(res.status).toBe(409);
    expectErrorShape(res.body, 409);
    expect(res.body.message).toContain(
      `workflow ${workflow.id}, which is deleted: restore deletion ${workflowDeleted.body.deletionId} first`,
    );
    await t.http.get(`/todos/${todo.id}`).expect(404);
  });
});
