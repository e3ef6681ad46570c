import {
  createInterview,
  createTodo,
  createWorkflow,
  expectErrorShape,
  ISO_UTC,
} from './setup/fixtures';
import { rejectUpdatesOf } from './setup/reject-updates';
import { startTestApp, type TestApp } from './setup/test-app';

describe('POST /workflows/:id/restore (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('restore');
  });

  afterAll(async () => {
    await t?.close();
  });

  const state = (table: string, ids: number[]) =>
    t.db.query(
      `SELECT id, is_deleted, deleted_at FROM ${table} WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`,
      ids,
    );

  it('brings back the workflow and exactly the interviews and todos its delete soft-deleted', async () => {
    const workflow = await createWorkflow(t.http, { description: 'kept' });
    const interviews = [
      await createInterview(t.http, { workflowId: workflow.id }),
      await createInterview(t.http, { workflowId: workflow.id }),
    ];
    const todos = [
      await createTodo(t.http, { workflowId: workflow.id }),
      await createTodo(t.http, { workflowId: workflow.id }),
    ];
    const ownDelete = await createTodo(t.http, { workflowId: workflow.id });
    await t.http.delete(`/todos/${ownDelete.id}`).expect(200);
    const deleted = await t.http.delete(`/workflows/${workflow.id}`).expect(200);
    expect(deleted.body.cascaded).toEqual({ interviews: 2, todos: 2 });

    const res = await t.http.post(`/workflows/${workflow.id}/restore`).expect(200);

    expect(res.body).toEqual({
      ...workflow,
      updatedAt: expect.stringMatching(ISO_UTC),
      isDeleted: false,
      deletedAt: null,
      restored: { interviews: 2, todos: 2 },
    });
    const read = await t.http.get(`/workflows/${workflow.id}?include=interviews,todos`).expect(200);
    expect(read.body.interviews.map((i: { id: number }) => i.id)).toEqual(
      interviews.map((i) => i.id),
    );
    expect(read.body.todos.map((d: { id: number }) => d.id)).toEqual(todos.map((d) => d.id));
    for (const row of await state(
      'interviews',
      interviews.map((i) => i.id),
    )) {
      expect(row).toMatchObject({ is_deleted: 0, deleted_at: null });
    }
    expect(await state('todos', [ownDelete.id])).toEqual([
      expect.objectContaining({ is_deleted: 1, deleted_at: expect.anything() }),
    ]);
    await t.http.get(`/todos/${ownDelete.id}`).expect(404);
  });

  it('leaves deleted a child deleted on its own before the workflow, even with the very same deletedAt', async () => {
    const workflow = await createWorkflow(t.http);
    const cascaded = await createTodo(t.http, { workflowId: workflow.id });
    const own = await createTodo(t.http, { workflowId: workflow.id });
    await t.http.delete(`/todos/${own.id}`).expect(200);
    await t.http.delete(`/workflows/${workflow.id}`).expect(200);
    // the same instant as the cascade: timestamps cannot tell the two apart
    await t.db.query(
      'UPDATE todos SET deleted_at = (SELECT deleted_at FROM recruitment_processes WHERE id = ?) WHERE id = ?',
      [workflow.id, own.id],
    );

    const res = await t.http.post(`/workflows/${workflow.id}/restore`).expect(200);

    expect(res.body.restored).toEqual({ interviews: 0, todos: 1 });
    await t.http.get(`/todos/${cascaded.id}`).expect(200);
    await t.http.get(`/todos/${own.id}`).expect(404);
  });

  it('cascades again after a restore, and a second restore brings the rows back again', async () => {
    const workflow = await createWorkflow(t.http);
    const todo = await createTodo(t.http, { workflowId: workflow.id });
    for (let round = 0; round < 2; round++) {
      const deleted = await t.http.delete(`/workflows/${workflow.id}`).expect(200);
      expect(deleted.body.cascaded).toEqual({ interviews: 0, todos: 1 });
      await t.http.get(`/todos/${todo.id}`).expect(404);
      const restored = await t.http.post(`/workflows/${workflow.id}/restore`).expect(200);
      expect(restored.body.restored).toEqual({ interviews: 0, todos: 1 });
      await t.http.get(`/todos/${todo.id}`).expect(200);
    }
  });

  it('answers 409 for a workflow that is not deleted and changes nothing', async () => {
    const workflow = await createWorkflow(t.http);
    const res = await t.http.post(`/workflows/${workflow.id}/restore`).expect(409);
    expectErrorShape(res.body, 409);
    expect((await t.http.get(`/workflows/${workflow.id}`).expect(200)).body).toEqual(workflow);
  });

  it('answers 404 for a workflow that never existed and 400 for a bad id', async () => {
    expectErrorShape((await t.http.post('/workflows/987654/restore').expect(404)).body, 404);
    expectErrorShape((await t.http.post('/workflows/0/restore').expect(400)).body, 400);
  });

  it('rolls everything back when a listener fails: the workflow and its rows stay deleted', async () => {
    const workflow = await createWorkflow(t.http);
    const interview = await createInterview(t.http, { workflowId: workflow.id });
    const todo = await createTodo(t.http, { workflowId: workflow.id });
    await t.http.delete(`/workflows/${workflow.id}`).expect(200);
    const before = {
      workflow: await state('recruitment_processes', [workflow.id]),
      interviews: await state('interviews', [interview.id]),
      todos: await state('todos', [todo.id]),
    };
    const allowUpdates = await rejectUpdatesOf(t.db, t.database.kind, 'todos');
    try {
      const res = await t.http.post(`/workflows/${workflow.id}/restore`);
      expect(res.status).toBeGreaterThanOrEqual(500);
      expectErrorShape(res.body, res.status);
    } finally {
      await allowUpdates();
    }
    expect({
      workflow: await state('recruitment_processes', [workflow.id]),
      interviews: await state('interviews', [interview.id]),
      todos: await state('todos', [todo.id]),
    }).toEqual(before);
    await t.http.get(`/workflows/${workflow.id}`).expect(404);
  });
});
