import { createTodo, createWorkflow, expectErrorShape, ISO_UTC } from './setup/fixtures';
import { startTestApp, type TestApp } from './setup/test-app';

/** The trash, bulk deletion's validation and the refusals of the deletion routes (issue 11). */
describe('Deletions (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('deletions');
  });

  afterAll(async () => {
    await t?.close();
  });

  const count = async (table: string) =>
    Number((await t.db.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

  describe('POST /deletions', () => {
    it.each([
      [
        'more than 100 ids',
        { resource: 'todos', ids: Array.from({ length: 101 }, (_, i) => i + 1) },
      ],
      ['no ids', { resource: 'todos', ids: [] }],
      ['duplicate ids', { resource: 'todos', ids: [3, 4, 3] }],
      ['an unknown resource', { resource: 'candidates', ids: [1] }],
      ['ids that are not positive INTs', { resource: 'todos', ids: [0] }],
      ['ids past INT', { resource: 'todos', ids: [2_147_483_648] }],
      ['ids as strings', { resource: 'todos', ids: ['1'] }],
      ['a fractional id', { resource: 'todos', ids: [1.5] }],
      ['a reason over 500 characters', { resource: 'todos', ids: [1], reason: 'x'.repeat(501) }],
      ['no resource', { ids: [1] }],
      ['dryRun that is not a boolean', { resource: 'todos', ids: [1], dryRun: 'yes' }],
    ])('answers 400 for %s, and nothing changes', async (_case, body) => {
      const todo = await createTodo(t.http);
      const before = await count('deletions');
      const res = await t.http.post('/deletions').send(body).expect(400);
      expectErrorShape(res.body, 400);
      expect(await count('deletions')).toBe(before);
      await t.http.get(`/todos/${todo.id}`).expect(200);
    });

    it('deletes several workflows and their rows as one deletion, restorable together', async () => {
      const a = await createWorkflow(t.http);
      const b = await createWorkflow(t.http);
      const todo = await createTodo(t.http, { workflowId: b.id });
      const made = await t.http
        .post('/deletions')
        .send({ resource: 'workflows', ids: [b.id, a.id], reason: 'merged' })
        .expect(201);
      expect(made.body).toEqual({
        id: expect.any(Number),
        resource: 'workflows',
        ids: [a.id, b.id],
        reason: 'merged',
        deletedAt: expect.stringMatching(ISO_UTC),
        deletedBy: 1,
        counts: { workflows: 2, interviews: 0, todos: 1 },
        restoredAt: null,
        restoredBy: null,
        purgedAt: null,
      });
      await t.http.get(`/todos/${todo.id}`).expect(404);
      // the workflow route restores the workflow's latest deletion: both come back
      const back = await t.http.post(`/workflows/${a.id}/restore`).expect(200);
      expect(back.body.restored).toEqual({ interviews: 0, todos: 1 });
      await t.http.get(`/workflows/${b.id}`).expect(200);
      await t.http.get(`/todos/${todo.id}`).expect(200);
      const again = await t.http.post(`/deletions/${made.body.id}/restore`).expect(409);
      expectErrorShape(again.body, 409);
      await t.http.post(`/workflows/${a.id}/restore`).expect(409);
    });
  });

  it('answers 400 for a reason over 500 characters on DELETE, and deletes nothing', async () => {
    const workflow = await createWorkflow(t.http);
    const todo = await createTodo(t.http);
    for (const url of [`/workflows/${workflow.id}`, `/todos/${todo.id}`]) {
      const res = await t.http
        .delete(url)
        .query({ reason: 'r'.repeat(501) })
        .expect(400);
      expectErrorShape(res.body, 400);
      await t.http.get(url).expect(200);
    }
    await t.http.delete(`/workflows/${workflow.id}`).query({ dryRun: 'maybe' }).expect(400);
    await t.http.get(`/workflows/${workflow.id}`).expect(200);
  });

  describe('GET /deletions', () => {
    it('pages newest first and filters by resource, deletedBy, restored, since and until', async () => {
      const since = new Date().toISOString();
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) {
        const todo = await createTodo(t.http);
        ids.push(
          (await t.as(1, 'editor', 77).delete(`/todos/${todo.id}`).expect(200)).body.deletionId,
        );
      }
      await t.http.post(`/deletions/${ids[0]}/restore`).expect(200);

      const filter = { deletedBy: 77, since };
      const first = await t.http
        .get('/deletions')
        .query({ ...filter, limit: 2 })
        .expect(200);
      expect(first.body.items.map((d: { id: number }) => d.id)).toEqual([ids[2], ids[1]]);
      const second = await t.http
        .get('/deletions')
        .query({ ...filter, limit: 2, cursor: first.body.nextCursor })
        .expect(200);
      expect(second.body).toEqual({
        items: [expect.objectContaining({ id: ids[0], restoredBy: 1 })],
        nextCursor: null,
      });
      const restored = await t.http
        .get('/deletions')
        .query({ ...filter, restored: true })
        .expect(200);
      expect(restored.body.items.map((d: { id: number }) => d.id)).toEqual([ids[0]]);
      const notRestored = await t.http
        .get('/deletions')
        .query({ ...filter, restored: false, resource: 'todos' })
        .expect(200);
      expect(notRestored.body.items.map((d: { id: number }) => d.id)).toEqual([ids[2], ids[1]]);
      const none = await t.http
        .get('/deletions')
        .query({ ...filter, resource: 'workflows' })
        .expect(200);
      expect(none.body.items).toEqual([]);
      const before = await t.http
        .get('/deletions')
        .query({ deletedBy: 77, until: since })
        .expect(200);
      expect(before.body.items).toEqual([]);
    });

    it.each([
      { resource: 'candidates' },
      { restored: 'yes' },
      { deletedBy: 0 },
      { since: 'yesterday' },
      { cursor: 'nope' },
      { limit: 101 },
    ])('answers 400 for %j', async (query) => {
      expectErrorShape((await t.http.get('/deletions').query(query).expect(400)).body, 400);
    });

    it('is for admins: an editor gets 403 on the trash and the restore', async () => {
      const todo = await createTodo(t.http);
      const id = (await t.http.delete(`/todos/${todo.id}`).expect(200)).body.deletionId;
      const editor = t.as(1, 'editor');
      for (const res of [
        await editor.get('/deletions'),
        await editor.get(`/deletions/${id}`),
        await editor.get(`/deletions/${id}/rows?resource=todos`),
        await editor.post(`/deletions/${id}/restore`),
        await editor.post(`/deletions/${id}/purge`),
      ]) {
        expect(res.status).toBe(403);
      }
      await t.http.get(`/todos/${todo.id}`).expect(404);
    });
  });

  it('reports the rows of a deletion hard-deleted meanwhile as missing, and restores the rest', async () => {
    const workflow = await createWorkflow(t.http);
    const todos = [];
    for (let i = 0; i < 3; i++) todos.push(await createTodo(t.http, { workflowId: workflow.id }));
    const { deletionId } = (await t.http.delete(`/workflows/${workflow.id}`).expect(200)).body;
    await t.db.query('DELETE FROM todos WHERE id = ?', [todos[1].id]);

    const res = await t.http.post(`/deletions/${deletionId}/restore`).expect(200);
    expect(res.body).toMatchObject({
      counts: { workflows: 1, interviews: 0, todos: 3 },
      restored: { workflows: 1, interviews: 0, todos: 2 },
      missing: { workflows: 0, interviews: 0, todos: 1 },
    });
    await t.http.get(`/todos/${todos[0].id}`).expect(200);
    await t.http.get(`/todos/${todos[2].id}`).expect(200);
    await t.http.get(`/todos/${todos[1].id}`).expect(404);
  });

  it('GET /deletions/:id/rows answers 400 without a known resource and 404 for a missing deletion', async () => {
    const todo = await createTodo(t.http);
    const id = (await t.http.delete(`/todos/${todo.id}`).expect(200)).body.deletionId;
    await t.http.get(`/deletions/${id}/rows`).expect(400);
    await t.http.get(`/deletions/${id}/rows?resource=candidates`).expect(400);
    await t.http.get('/deletions/2000000000/rows?resource=todos').expect(404);
    await t.http.get('/deletions/2000000000').expect(404);
    await t.http.post('/deletions/2000000000/restore').expect(404);
  });
});
