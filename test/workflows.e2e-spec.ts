import { encodeCursor } from '../src/common/pagination/cursor';
import {
  createInterview,
  createTodo,
  createWorkflow,
  expectErrorShape,
  ISO_UTC,
  type ApiRow,
} from './setup/fixtures';
import { startTestApp, type TestApp } from './setup/test-app';

describe('Workflows (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('workflows');
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('POST /workflows', () => {
    it('creates a workflow with defaults and answers it in camelCase with ISO timestamps', async () => {
      const res = await t.http.post('/workflows').send({ name: 'Backend engineer' }).expect(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        name: 'Backend engineer',
        description: null,
        status: 'draft',
        createdBy: 1,
        createdAt: expect.stringMatching(ISO_UTC),
        updatedAt: res.body.createdAt,
        isDeleted: false,
        deletedAt: null,
        deletedBy: null,
      });
      const rows = await t.db.query(
        'SELECT name, status, is_deleted, deleted_at FROM recruitment_processes WHERE id = ?',
        [res.body.id],
      );
      expect(rows).toEqual([
        { name: 'Backend engineer', status: 'draft', is_deleted: 0, deleted_at: null },
      ]);
    });

    it('stores every field, and a 4-byte character round-trips', async () => {
      const body = {
        name: 'Hiring 🚀 team',
        description: 'Loop 😀',
        status: 'active',
      };
      const created = await t.http.post('/workflows').send(body).expect(201);
      expect(created.body).toMatchObject({ ...body, createdBy: 1 });
      const read = await t.http.get(`/workflows/${created.body.id}`).expect(200);
      expect(read.body).toEqual(created.body);
    });

    it.each([
      [{}, 'name'],
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(256) }, 'name'],
      [{ name: 42 }, 'name'],
      [{ name: null }, 'name'],
      [{ name: 'ok', status: 'paused' }, 'status'],
      [{ name: 'ok', status: null }, 'status'],
      [{ name: 'ok', createdBy: 0 }, 'createdBy'],
      [{ name: 'ok', createdBy: '7' }, 'createdBy'],
      [{ name: 'ok', createdBy: 2_147_483_648 }, 'createdBy'],
      [{ name: 'ok', unknown: 1 }, 'unknown'],
    ])('rejects %j with 400 naming %s', async (body, field) => {
      const res = await t.http.post('/workflows').send(body).expect(400);
      expectErrorShape(res.body, 400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    });

    it('rejects malformed JSON with 400 in the error shape', async () => {
      const res = await t.http
        .post('/workflows')
        .set('content-type', 'application/json')
        .send('{"name": ')
        .expect(400);
      expectErrorShape(res.body, 400);
    });
    it('rejects deeply nested JSON with 400, not a stack overflow', async () => {
      const res = await t.http
        .post('/workflows')
        .set('content-type', 'application/json')
        .send(`{"name":"deep","description":${'['.repeat(5000)}${']'.repeat(5000)}}`)
        .expect(400);
      expectErrorShape(res.body, 400);
    });

    it('rejects a body over the limit with 413 and a non-JSON body with 415, in the error shape', async () => {
      const big = await t.http
        .post('/workflows')
        .set('content-type', 'application/json')
        .send(JSON.stringify({ name: 'x'.repeat(1_100_000) }))
        .expect(413);
      expectErrorShape(big.body, 413);
      const form = await t.http
        .post('/workflows')
        .set('content-type', 'application/x-www-form-urlencoded')
        .send('name=x')
        .expect(415);
      expectErrorShape(form.body, 415);
    });
  });

  describe('GET /workflows/:id', () => {
    it('answers 404 in the error shape for an id that never existed', async () => {
      const res = await t.http.get('/workflows/999999').expect(404);
      expect(res.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'Workflow 999999 not found',
      });
    });

    it.each(['abc', '0', '-1', '1.5', '2147483648', '99999999999999999999', '1e3'])(
      'answers 400 for the id %s',
      async (id) => {
        const res = await t.http.get(`/workflows/${id}`).expect(400);
        expectErrorShape(res.body, 400);
      },
    );

    it('answers 404 for a soft-deleted workflow', async () => {
      const workflow = await createWorkflow(t.http);
      await t.http.delete(`/workflows/${workflow.id}`).expect(200);
      await t.http.get(`/workflows/${workflow.id}`).expect(404);
    });

    it('embeds only the active linked interviews and todos with ?include=interviews,todos', async () => {
      const workflow = await createWorkflow(t.http);
      const other = await createWorkflow(t.http);
      const i1 = await createInterview(t.http, { workflowId: workflow.id });
      const i2 = await createInterview(t.http, { workflowId: workflow.id });
      await createInterview(t.http, { workflowId: other.id });
      const todo = await createTodo(t.http, { workflowId: workflow.id });
      const gone = await createTodo(t.http, { workflowId: workflow.id });
      await t.http.delete(`/todos/${gone.id}`).expect(200);

      const both = await t.http
        .get(`/workflows/${workflow.id}?include=interviews,todos`)
        .expect(200);
      expect(both.body.interviews).toEqual([i1, i2]);
      expect(both.body.todos).toEqual([todo]);

      const onlyTodos = await t.http.get(`/workflows/${workflow.id}?include=todos`).expect(200);
      expect(onlyTodos.body.todos).toEqual([todo]);
      expect(onlyTodos.body).not.toHaveProperty('interviews');

      expect(both.body.included).toEqual({
        interviews: { total: 2, next: null },
        todos: { total: 1, next: null },
      });

      const none = await t.http.get(`/workflows/${workflow.id}`).expect(200);
      expect(none.body).not.toHaveProperty('interviews');
      expect(none.body).not.toHaveProperty('todos');
      expect(none.body).not.toHaveProperty('included');
    });

    it('embeds at most 100 rows of a kind, says how many there are, and links the list page with the rest', async () => {
      const workflow = await createWorkflow(t.http);
      const values = Array.from(
        { length: 103 },
        () => "('bulk', 1, 'pending', ?, '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000', 0)",
      );
      await t.db.query(
        `INSERT INTO todos (title, owner_id, status, workflow_id, created_at, updated_at, is_deleted) VALUES ${values.join(', ')}`,
        values.map(() => workflow.id),
      );
      const ids: number[] = (
        await t.db.query('SELECT id FROM todos WHERE workflow_id = ? ORDER BY id', [workflow.id])
      ).map((row: { id: number }) => Number(row.id));

      const res = await t.http.get(`/workflows/${workflow.id}?include=todos`).expect(200);
      expect(res.body.todos.map((row: ApiRow) => row.id)).toEqual(ids.slice(0, 100));
      expect(res.body.included.todos).toEqual({
        total: 103,
        next: expect.stringMatching(new RegExp(`^/todos\\?workflowId=${workflow.id}&cursor=`)),
      });
      const rest = await t.http.get(res.body.included.todos.next).expect(200);
      expect(rest.body.items.map((row: ApiRow) => row.id)).toEqual(ids.slice(100));
      expect(rest.body.nextCursor).toBeNull();
    });

    it.each(['candidates', 'interviews,', '', 'todos,notes'])(
      'answers 400 for ?include=%s',
      async (include) => {
        const workflow = await createWorkflow(t.http);
        const res = await t.http.get(`/workflows/${workflow.id}`).query({ include }).expect(400);
        expectErrorShape(res.body, 400);
      },
    );
  });

  describe('GET /workflows', () => {
    it('pages through every active workflow in id order with no duplicates or gaps', async () => {
      const created: number[] = [];
      for (let i = 0; i < 7; i++)
        created.push((await createWorkflow(t.http, { name: `page ${i}` })).id);
      const deleted = created[3];
      await t.http.delete(`/workflows/${deleted}`).expect(200);

      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = await t.http
          .get('/workflows')
          .query({ limit: 2, ...(cursor ? { cursor } : {}) })
          .expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((w: { id: number }) => w.id));
        cursor = res.body.nextCursor ?? undefined;
        pages++;
      } while (cursor && pages < 100);

      const [{ count }] = await t.db.query(
        'SELECT COUNT(*) AS count FROM recruitment_processes WHERE is_deleted = 0',
      );
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(Number(count));
      expect(seen).toEqual(expect.arrayContaining(created.filter((id) => id !== deleted)));
      expect(seen).not.toContain(deleted);
    });

    it('answers the default page size of 20 and a null nextCursor on the last page', async () => {
      for (let i = 0; i < 21; i++) await createWorkflow(t.http, { name: `bulk ${i}` });
      const first = await t.http.get('/workflows').expect(200);
      expect(first.body.items).toHaveLength(20);
      expect(typeof first.body.nextCursor).toBe('string');
      const all = await t.http.get('/workflows').query({ limit: 100 }).expect(200);
      expect(all.body.nextCursor).toBeNull();
    });

    it('filters by status', async () => {
      const closed = await createWorkflow(t.http, { name: 'closed one', status: 'closed' });
      const res = await t.http
        .get('/workflows')
        .query({ status: 'closed', limit: 100 })
        .expect(200);
      expect(res.body.items.map((w: { id: number }) => w.id)).toEqual([closed.id]);
      expect(res.body.items.every((w: { status: string }) => w.status === 'closed')).toBe(true);
    });

    it.each([
      { limit: 0 },
      { limit: 101 },
      { limit: 'ten' },
      { limit: 1.5 },
      { status: 'paused' },
      { cursor: 'not-a-cursor' },
      { cursor: Buffer.from('id:-1').toString('base64url') },
      { cursor: Buffer.from('id:99999999999').toString('base64url') },
      { cursor: '' },
      { unknown: 'x' },
    ])('answers 400 for %j', async (query) => {
      const res = await t.http.get('/workflows').query(query).expect(400);
      expectErrorShape(res.body, 400);
    });

    it('answers 400 to a cursor of another list or of another filter, and pages on with its own', async () => {
      for (let i = 0; i < 3; i++) await createWorkflow(t.http, { status: 'active' });
      const first = await t.http
        .get('/workflows')
        .query({ status: 'active', limit: 1 })
        .expect(200);
      const cursor = first.body.nextCursor as string;
      const otherFilter = await t.http
        .get('/workflows')
        .query({ status: 'closed', cursor })
        .expect(400);
      const noFilter = await t.http.get('/workflows').query({ cursor }).expect(400);
      const otherList = await t.http.get('/todos').query({ cursor }).expect(400);
      for (const res of [otherFilter, noFilter, otherList]) {
        expect(res.body).toEqual({
          statusCode: 400,
          error: 'Bad Request',
          message: [
            'cursor belongs to another list or filter; pass nextCursor from the previous page of this list, with the same filters',
          ],
        });
      }
      const next = await t.http
        .get('/workflows')
        .query({ status: 'active', limit: 1, cursor })
        .expect(200);
      expect(next.body.items[0].id).toBeGreaterThan(first.body.items[0].id);
    });

    it('accepts a cursor past the end and answers an empty last page', async () => {
      const res = await t.http
        .get('/workflows')
        .query({
          cursor: encodeCursor(2_000_000_000, { list: 'recruitment_processes', filter: {} }),
        })
        .expect(200);
      expect(res.body).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('PATCH /workflows/:id', () => {
    it('changes only the fields sent and moves updatedAt', async () => {
      const workflow = await createWorkflow(t.http, { description: 'keep me' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const res = await t.http
        .patch(`/workflows/${workflow.id}`)
        .send({ status: 'active' })
        .expect(200);
      expect(res.body).toEqual({
        ...workflow,
        status: 'active',
        updatedAt: expect.stringMatching(ISO_UTC),
      });
      expect(res.body.updatedAt > workflow.updatedAt).toBe(true);
      const read = await t.http.get(`/workflows/${workflow.id}`).expect(200);
      expect(read.body).toEqual(res.body);
    });

    it('clears the description with null', async () => {
      const workflow = await createWorkflow(t.http, { description: 'gone soon' });
      const res = await t.http
        .patch(`/workflows/${workflow.id}`)
        .send({ description: null })
        .expect(200);
      expect(res.body.description).toBeNull();
    });

    it.each([
      { name: null },
      { name: '' },
      { status: 'paused' },
      { createdBy: 3 },
      { isDeleted: true },
    ])('answers 400 for %j and changes nothing', async (body) => {
      const workflow = await createWorkflow(t.http);
      const res = await t.http.patch(`/workflows/${workflow.id}`).send(body).expect(400);
      expectErrorShape(res.body, 400);
      const read = await t.http.get(`/workflows/${workflow.id}`).expect(200);
      expect(read.body).toEqual(workflow);
    });

    it('answers 404 for a soft-deleted workflow', async () => {
      const workflow = await createWorkflow(t.http);
      await t.http.delete(`/workflows/${workflow.id}`).expect(200);
      const res = await t.http
        .patch(`/workflows/${workflow.id}`)
        .send({ name: 'again' })
        .expect(404);
      expectErrorShape(res.body, 404);
    });
  });

  describe('DELETE /workflows/:id', () => {
    it('soft-deletes the workflow, answers it with cascaded counts, and keeps the row', async () => {
      const workflow = await createWorkflow(t.http);
      const res = await t.http.delete(`/workflows/${workflow.id}`).expect(200);
      expect(res.body).toEqual({
        ...workflow,
        updatedAt: res.body.deletedAt,
        isDeleted: true,
        deletedBy: 1,
        deletedAt: expect.stringMatching(ISO_UTC),
        cascaded: { interviews: 0, todos: 0 },
        deletionId: expect.any(Number),
      });
      const rows = await t.db.query('SELECT is_deleted FROM recruitment_processes WHERE id = ?', [
        workflow.id,
      ]);
      expect(rows).toEqual([{ is_deleted: 1 }]);
    });

    it('answers 404 the second time', async () => {
      const workflow = await createWorkflow(t.http);
      await t.http.delete(`/workflows/${workflow.id}`).expect(200);
      const res = await t.http.delete(`/workflows/${workflow.id}`).expect(404);
      expectErrorShape(res.body, 404);
    });

    it('answers 400 for a bad id', async () => {
      const res = await t.http.delete('/workflows/x').expect(400);
      expectErrorShape(res.body, 400);
    });
  });

  it('answers 404 in the error shape for an unknown route', async () => {
    const res = await t.http.get('/nope').expect(404);
    expectErrorShape(res.body, 404);
  });
});
