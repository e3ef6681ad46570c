import { createTodo, createWorkflow, expectErrorShape } from './setup/fixtures';
import { startTestApp, type TestApp } from './setup/test-app';

// What a restore brings back, its counts and its rollback, for every linked kind: the shared
// suite of test/setup/linked-kind-suite.ts (test/linked-kinds.e2e-spec.ts).
describe('POST /workflows/:id/restore (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('restore');
  });

  afterAll(async () => {
    await t?.close();
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
});
