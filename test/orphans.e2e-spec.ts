import { createInterview, createTodo, createWorkflow } from './setup/fixtures';
import { startTestApp, type TestApp } from './setup/test-app';

describe('Orphans: GET /admin/orphans and POST /admin/orphans/repair (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('orphans');
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Writes a row linking to a workflow id that does not exist, as only bypassed foreign keys allow. */
  async function insertWithoutForeignKeyChecks(sql: string, params: unknown[]): Promise<void> {
    const runner = t.db.createQueryRunner();
    const sqlite = t.database.kind === 'sqlite';
    try {
      await runner.query(sqlite ? 'PRAGMA foreign_keys = OFF' : 'SET FOREIGN_KEY_CHECKS = 0');
      await runner.query(sql, params);
    } finally {
      await runner.query(sqlite ? 'PRAGMA foreign_keys = ON' : 'SET FOREIGN_KEY_CHECKS = 1');
      await runner.release();
    }
  }

  it('lists active rows of deleted or missing workflows, repairs them in one call, and the repair is restorable', async () => {
    const healthy = await createWorkflow(t.http);
    const healthyTodo = await createTodo(t.http, { workflowId: healthy.id });
    const stale = await createWorkflow(t.http);
    const staleInterview = await createInterview(t.http, { workflowId: stale.id });
    const staleTodo = await createTodo(t.http, { workflowId: stale.id });
    // a soft delete written by hand, without its cascade
    await t.db.query(
      "UPDATE recruitment_processes SET is_deleted = 1, deleted_at = '2025-10-02 09:30:00.000' WHERE id = ?",
      [stale.id],
    );
    await insertWithoutForeignKeyChecks(
      "INSERT INTO interviews (title, candidate_id, recruiter_id, workflow_id) VALUES ('dangling', 1, 2, ?)",
      [987654],
    );
    const [{ id: danglingId }] = await t.db.query(
      "SELECT id FROM interviews WHERE title = 'dangling'",
    );

    const report = await t.http.get('/admin/orphans').expect(200);
    expect(report.body).toEqual({
      interviews: {
        deletedWorkflow: 1,
        missingWorkflow: 1,
        items: [
          { id: staleInterview.id, workflowId: stale.id, reason: 'deleted_workflow' },
          { id: Number(danglingId), workflowId: 987654, reason: 'missing_workflow' },
        ],
      },
      todos: {
        deletedWorkflow: 1,
        missingWorkflow: 0,
        items: [{ id: staleTodo.id, workflowId: stale.id, reason: 'deleted_workflow' }],
      },
    });

    const repair = await t.http.post('/admin/orphans/repair').expect(200);
    expect(repair.body).toEqual({
      interviews: { softDeleted: 1, unlinked: 1 },
      todos: { softDeleted: 1, unlinked: 0 },
    });

    const after = await t.http.get('/admin/orphans').expect(200);
    expect(after.body).toEqual({
      interviews: { deletedWorkflow: 0, missingWorkflow: 0, items: [] },
      todos: { deletedWorkflow: 0, missingWorkflow: 0, items: [] },
    });
    const [todoRow] = await t.db.query('SELECT is_deleted, deleted_at FROM todos WHERE id = ?', [
      staleTodo.id,
    ]);
    expect(todoRow.is_deleted).toBe(1);
    expect(String(todoRow.deleted_at)).toMatch(/^2025-10-02 09:30:00/);
    const dangling = await t.http.get(`/interviews/${danglingId}`).expect(200);
    expect(dangling.body.workflowId).toBeNull();
    expect((await t.http.get(`/todos/${healthyTodo.id}`).expect(200)).body).toEqual(healthyTodo);

    // the repaired rows were deleted as the cascade would have: restoring the workflow brings them back
    const restored = await t.http.post(`/workflows/${stale.id}/restore`).expect(200);
    expect(restored.body.restored).toEqual({ interviews: 1, todos: 1 });
    await t.http.get(`/interviews/${staleInterview.id}`).expect(200);
  });

  it('reports nothing and changes nothing when every link is sound', async () => {
    await t.http.post('/admin/orphans/repair').expect(200);
    const workflow = await createWorkflow(t.http);
    await createTodo(t.http, { workflowId: workflow.id });
    await t.http.delete(`/workflows/${workflow.id}`).expect(200);
    const report = await t.http.get('/admin/orphans').expect(200);
    expect(report.body.interviews.items).toEqual([]);
    expect(report.body.todos.items).toEqual([]);
    const repair = await t.http.post('/admin/orphans/repair').expect(200);
    expect(repair.body).toEqual({
      interviews: { softDeleted: 0, unlinked: 0 },
      todos: { softDeleted: 0, unlinked: 0 },
    });
  });
});
