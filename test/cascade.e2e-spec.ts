import { createInterview, createTodo, createWorkflow, expectErrorShape } from './setup/fixtures';
import { rejectUpdatesOf } from './setup/reject-updates';
import { startTestApp, type TestApp } from './setup/test-app';

type Row = {
  id: number;
  is_deleted: number;
  deleted_at: string | null;
  workflow_id: number | null;
};

describe('Cascading soft delete (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('cascade');
  });

  afterAll(async () => {
    await t?.close();
  });

  const rows = (table: string, ids: number[]): Promise<Row[]> =>
    t.db.query(
      `SELECT id, is_deleted, deleted_at, workflow_id FROM ${table} WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`,
      ids,
    );
  const workflowRow = async (id: number): Promise<Row> =>
    (
      await t.db.query(
        'SELECT id, is_deleted, deleted_at, NULL AS workflow_id FROM recruitment_processes WHERE id = ?',
        [id],
      )
    )[0];

  /** A workflow with 3 active and 1 already-deleted interview, 2 active and 1 already-deleted todo. */
  async function workflowWithChildren() {
    const workflow = await createWorkflow(t.http);
    const interviews = [];
    for (let i = 0; i < 4; i++)
      interviews.push((await createInterview(t.http, { workflowId: workflow.id })).id);
    const todos = [];
    for (let i = 0; i < 3; i++)
      todos.push((await createTodo(t.http, { workflowId: workflow.id })).id);
    await t.http.delete(`/interviews/${interviews[3]}`).expect(200);
    await t.http.delete(`/todos/${todos[2]}`).expect(200);
    return { workflow, interviews, todos };
  }

  describe('DELETE /workflows/:id', () => {
    it("soft-deletes every active linked interview and todo in the same transaction, with the workflow's deletedAt", async () => {
      const { workflow, interviews, todos } = await workflowWithChildren();
      const earlier = {
        interview: (await rows('interviews', [interviews[3]]))[0].deleted_at,
        todo: (await rows('todos', [todos[2]]))[0].deleted_at,
      };
      await new Promise((resolve) => setTimeout(resolve, 5));

      const res = await t.http.delete(`/workflows/${workflow.id}`).expect(200);
      expect(res.body.cascaded).toEqual({ interviews: 3, todos: 2 });
      expect(res.body.isDeleted).toBe(true);

      const deletedAt = (await workflowRow(workflow.id)).deleted_at;
      expect(deletedAt).not.toBeNull();
      expect(new Date(`${String(deletedAt).replace(' ', 'T')}Z`).toISOString()).toBe(
        res.body.deletedAt,
      );
      const i = await rows('interviews', interviews);
      const d = await rows('todos', todos);
      for (const row of [...i.slice(0, 3), ...d.slice(0, 2)]) {
        expect(row).toMatchObject({
          is_deleted: 1,
          deleted_at: deletedAt,
          workflow_id: workflow.id,
        });
      }
      // rows deleted before keep their own deletedAt
      expect(i[3]).toMatchObject({ is_deleted: 1, deleted_at: earlier.interview });
      expect(d[2]).toMatchObject({ is_deleted: 1, deleted_at: earlier.todo });
      expect(earlier.interview).not.toEqual(deletedAt);

      for (const id of interviews) await t.http.get(`/interviews/${id}`).expect(404);
      for (const id of todos) await t.http.get(`/todos/${id}`).expect(404);
    });

    it("leaves unlinked rows and other workflows' rows untouched", async () => {
      const { workflow } = await workflowWithChildren();
      const other = await workflowWithChildren();
      const loneInterview = await createInterview(t.http);
      const loneTodo = await createTodo(t.http);
      const snapshot = async () => ({
        workflow: await workflowRow(other.workflow.id),
        interviews: await rows('interviews', [...other.interviews, loneInterview.id]),
        todos: await rows('todos', [...other.todos, loneTodo.id]),
      });
      const before = await snapshot();

      await t.http.delete(`/workflows/${workflow.id}`).expect(200);

      expect(await snapshot()).toEqual(before);
      const res = await t.http
        .get(`/workflows/${other.workflow.id}?include=interviews,todos`)
        .expect(200);
      expect(res.body.interviews).toHaveLength(3);
      expect(res.body.todos).toHaveLength(2);
    });

    it('counts only what this delete soft-deleted: zero for a workflow without active children', async () => {
      const workflow = await createWorkflow(t.http);
      const todo = await createTodo(t.http, { workflowId: workflow.id });
      await t.http.delete(`/todos/${todo.id}`).expect(200);
      const res = await t.http.delete(`/workflows/${workflow.id}`).expect(200);
      expect(res.body.cascaded).toEqual({ interviews: 0, todos: 0 });
    });

    it('rejects linking a new interview or todo to the deleted workflow with 422', async () => {
      const workflow = await createWorkflow(t.http);
      await t.http.delete(`/workflows/${workflow.id}`).expect(200);
      const i = await t.http
        .post('/interviews')
        .send({ title: 'late', candidateId: 1, recruiterId: 2, workflowId: workflow.id })
        .expect(422);
      expectErrorShape(i.body, 422);
      expect(i.body.message).toContain(String(workflow.id));
      const todo = await createTodo(t.http);
      const d = await t.http
        .patch(`/todos/${todo.id}`)
        .send({ workflowId: workflow.id })
        .expect(422);
      expectErrorShape(d.body, 422);
      expect((await rows('todos', [todo.id]))[0].workflow_id).toBeNull();
    });
  });

  describe.each([
    ['todos', 'the Todos listener'],
    ['interviews', 'the Interviews listener'],
  ])('when the database rejects the UPDATE of %s (%s fails)', (table) => {
    let allowUpdates: (() => Promise<void>) | undefined;

    afterEach(async () => {
      await allowUpdates?.();
      allowUpdates = undefined;
    });

    it('answers a 5xx in the error shape and leaves the workflow, its interviews and its todos unchanged', async () => {
      const { workflow, interviews, todos } = await workflowWithChildren();
      const before = {
        workflow: await workflowRow(workflow.id),
        interviews: await rows('interviews', interviews),
        todos: await rows('todos', todos),
      };
      allowUpdates = await rejectUpdatesOf(t.db, t.database.kind, table);

      const res = await t.http.delete(`/workflows/${workflow.id}`);

      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.status).toBeLessThan(600);
      expectErrorShape(res.body, res.status);
      expect({
        workflow: await workflowRow(workflow.id),
        interviews: await rows('interviews', interviews),
        todos: await rows('todos', todos),
      }).toEqual(before);
      expect(before.workflow.is_deleted).toBe(0);
      await t.http.get(`/workflows/${workflow.id}`).expect(200);
    });
  });
});
