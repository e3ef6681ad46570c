import request from 'supertest';
import { createInterview, createTodo, createWorkflow, expectErrorShape } from './setup/fixtures';
import { StatementLog } from './setup/statement-log';
import { startTestApp, type TestApp } from './setup/test-app';

const ETAG = /^"\d+"$/;

/** ETags from row versions, If-Match on writes, If-None-Match on reads. */
describe('ETag, If-Match and If-None-Match (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('etags');
  });

  afterAll(async () => {
    await t?.close();
  });

  const kinds = [
    {
      path: '/workflows',
      create: () => createWorkflow(t.http),
      change: { name: 'Renamed' },
    },
    {
      path: '/todos',
      create: () => createTodo(t.http),
      change: { title: 'Renamed' },
    },
    {
      path: '/interviews',
      create: () => createInterview(t.http),
      change: { title: 'Renamed' },
    },
  ];

  describe.each(kinds)('$path', ({ path, create, change }) => {
    it('gives every single-row answer a strong ETag that every write changes, and GET the same as the write answered', async () => {
      const created = await t.http
        .post(path)
        .send(
          path === '/workflows'
            ? { name: 'Tagged' }
            : path === '/todos'
              ? { title: 'Tagged', ownerId: 1 }
              : { title: 'Tagged', candidateId: 1, recruiterId: 2 },
        );
      expect(created.status).toBe(201);
      expect(created.headers.etag).toMatch(ETAG);
      const id = created.body.id;
      const read = await t.http.get(`${path}/${id}`).expect(200);
      expect(read.headers.etag).toBe(created.headers.etag);
      const tags = [created.headers.etag];
      for (let i = 0; i < 3; i++) {
        // two writes within one millisecond still get two tags: the version, not updated_at
        const patched = await t.http.patch(`${path}/${id}`).send(change).expect(200);
        tags.push(patched.headers.etag);
        expect((await t.http.get(`${path}/${id}`).expect(200)).headers.etag).toBe(
          patched.headers.etag,
        );
      }
      const deleted = await t.http.delete(`${path}/${id}`).expect(200);
      tags.push(deleted.headers.etag);
      expect(new Set(tags).size).toBe(tags.length);
      for (const tag of tags) expect(tag).toMatch(ETAG);
      // the body does not show the version
      expect(Object.keys(read.body)).not.toContain('version');
    });

    it('answers 304 without a body for a GET whose If-None-Match names the current ETag, 200 otherwise', async () => {
      const row = await create();
      const { headers } = await t.http.get(`${path}/${row.id}`).expect(200);
      for (const ifNoneMatch of [
        headers.etag,
        `W/${headers.etag}`,
        '*',
        `"999999", ${headers.etag}`,
      ]) {
        const res = await t.http.get(`${path}/${row.id}`).set('If-None-Match', ifNoneMatch);
        expect([ifNoneMatch, res.status]).toEqual([ifNoneMatch, 304]);
        expect(res.text ?? '').toBe('');
        expect(res.headers.etag).toBe(headers.etag);
      }
      await t.http.patch(`${path}/${row.id}`).send(change).expect(200);
      const changed = await t.http
        .get(`${path}/${row.id}`)
        .set('If-None-Match', headers.etag)
        .expect(200);
      expect(changed.headers.etag).not.toBe(headers.etag);
      // a deleted row is 404, whatever the client holds
      await t.http.delete(`${path}/${row.id}`).expect(200);
      await t.http.get(`${path}/${row.id}`).set('If-None-Match', '*').expect(404);
    });

    it('runs a PATCH or DELETE whose If-Match names the current ETag, and answers 412 in the error shape, changing nothing, otherwise', async () => {
      const row = await create();
      const { headers, body } = await t.http.get(`${path}/${row.id}`).expect(200);
      for (const stale of ['"999999"', `W/${headers.etag}`, 'not-a-tag']) {
        const res = await t.http.patch(`${path}/${row.id}`).set('If-Match', stale).send(change);
        expect([stale, res.status]).toEqual([stale, 412]);
        expectErrorShape(res.body, 412);
        const del = await t.http.delete(`${path}/${row.id}`).set('If-Match', stale);
        expect(del.status).toBe(412);
        expectErrorShape(del.body, 412);
      }
      const unchanged = await t.http.get(`${path}/${row.id}`).expect(200);
      expect(unchanged.body).toEqual(body);
      expect(unchanged.headers.etag).toBe(headers.etag);

      const patched = await t.http
        .patch(`${path}/${row.id}`)
        .set('If-Match', `"999999", ${headers.etag}`)
        .send(change)
        .expect(200);
      await t.http
        .patch(`${path}/${row.id}`)
        .set('If-Match', headers.etag)
        .send(change)
        .expect(412);
      await t.http.delete(`${path}/${row.id}`).set('If-Match', headers.etag).expect(412);
      await t.http.delete(`${path}/${row.id}`).set('If-Match', patched.headers.etag).expect(200);
    });

    it('lets exactly one of two PATCHes sent with the same If-Match win; the other answers 412 (no lost update)', async () => {
      for (let round = 0; round < 5; round++) {
        const row = await create();
        const { headers } = await t.http.get(`${path}/${row.id}`).expect(200);
        const field = Object.keys(change)[0];
        const [a, b] = await Promise.all(
          ['first', 'second'].map((value) =>
            t.http
              .patch(`${path}/${row.id}`)
              .set('If-Match', headers.etag)
              .send({ [field]: value }),
          ),
        );
        expect([a.status, b.status].sort()).toEqual([200, 412]);
        const winner = a.status === 200 ? a : b;
        const now = await t.http.get(`${path}/${row.id}`).expect(200);
        expect(now.body[field]).toBe(winner.body[field]);
        expect(now.headers.etag).toBe(winner.headers.etag);
      }
    });
  });

  it('changes the ETag of the rows a cascade deletes and a restore brings back, and of a workflow a row links to', async () => {
    const workflow = await createWorkflow(t.http);
    const before = (await t.http.get(`/workflows/${workflow.id}`).expect(200)).headers.etag;
    const todo = await createTodo(t.http, { workflowId: workflow.id });
    const linked = (await t.http.get(`/workflows/${workflow.id}`).expect(200)).headers.etag;
    expect(linked).not.toBe(before);
    const todoTag = (await t.http.get(`/todos/${todo.id}`).expect(200)).headers.etag;
    await t.http.delete(`/workflows/${workflow.id}`).expect(200);
    const restored = await t.http.post(`/workflows/${workflow.id}/restore`).expect(200);
    expect(restored.headers.etag).toMatch(ETAG);
    expect((await t.http.get(`/workflows/${workflow.id}`).expect(200)).headers.etag).toBe(
      restored.headers.etag,
    );
    const todoAfter = (await t.http.get(`/todos/${todo.id}`).expect(200)).headers.etag;
    expect(todoAfter).not.toBe(todoTag);
    // a stale tag on the restore: 412, still deleted
    await t.http.delete(`/workflows/${workflow.id}`).expect(200);
    const stale = await t.http
      .post(`/workflows/${workflow.id}/restore`)
      .set('If-Match', restored.headers.etag);
    expect(stale.status).toBe(412);
    expectErrorShape(stale.body, 412);
    await t.http.get(`/workflows/${workflow.id}`).expect(404);
  });

  it('gives GET /workflows/:id?include= a tag that also changes when an embedded row changes', async () => {
    const workflow = await createWorkflow(t.http);
    const todo = await createTodo(t.http, { workflowId: workflow.id });
    const plain = (await t.http.get(`/workflows/${workflow.id}`).expect(200)).headers.etag;
    const included = await t.http.get(`/workflows/${workflow.id}?include=todos`).expect(200);
    expect(included.headers.etag).toMatch(/^"\d+-[\w-]+"$/);
    expect(included.headers.etag).not.toBe(plain);
    await t.http
      .get(`/workflows/${workflow.id}?include=todos`)
      .set('If-None-Match', included.headers.etag)
      .expect(304);
    await t.http.patch(`/todos/${todo.id}`).send({ title: 'Changed' }).expect(200);
    const after = await t.http
      .get(`/workflows/${workflow.id}?include=todos`)
      .set('If-None-Match', included.headers.etag)
      .expect(200);
    expect(after.headers.etag).not.toBe(included.headers.etag);
    // the workflow itself did not change
    expect((await t.http.get(`/workflows/${workflow.id}`).expect(200)).headers.etag).toBe(plain);
  });

  it('increments version in every UPDATE the write routes send: links, PATCHes, deletes and their cascade, restores, orphan repair', async () => {
    const statements = await StatementLog.capture(t.db, async () => {
      const workflow = await createWorkflow(t.http);
      const todo = await createTodo(t.http, { workflowId: workflow.id });
      const interview = await createInterview(t.http, { workflowId: workflow.id });
      await t.http.patch(`/todos/${todo.id}`).send({ title: 'Changed' }).expect(200);
      await t.http.patch(`/interviews/${interview.id}`).send({ title: 'Changed' }).expect(200);
      await t.http.patch(`/workflows/${workflow.id}`).send({ name: 'Changed' }).expect(200);
      await t.http.delete(`/workflows/${workflow.id}`).expect(200);
      await t.http.post(`/workflows/${workflow.id}/restore`).expect(200);
      const other = await createTodo(t.http);
      await t.http.delete(`/todos/${other.id}`).expect(200);
      // an orphan: an active todo of a deleted workflow, written by hand
      await t.db.query(
        'UPDATE recruitment_processes SET is_deleted = 1, deleted_at = ? WHERE id = ?',
        ['2026-01-01 00:00:00.000', workflow.id],
      );
      await t.http.post('/admin/orphans/repair').expect(200);
    });
    const updates = statements.filter(
      ({ sql }) =>
        /^UPDATE\s+[`"]?(recruitment_processes|interviews|todos)\b/i.test(sql) &&
        // the orphan made by hand above
        !/^UPDATE recruitment_processes SET is_deleted = 1, deleted_at = \? WHERE id = \?$/.test(
          sql,
        ),
    );
    expect(updates.length).toBeGreaterThanOrEqual(10);
    expect(updates.filter(({ sql }) => !/\bversion = version \+ 1\b/.test(sql))).toEqual([]);
  });

  it('puts no ETag on lists', async () => {
    const res = await t.http.get('/workflows').expect(200);
    expect(res.headers.etag).toBeUndefined();
  });

  it('declares ETag, If-None-Match and 304 on single-row GETs and If-Match, 412 and 428 on PATCH, DELETE and restore in the OpenAPI document', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    const names = (op: { parameters: Array<{ name: string }> }) => op.parameters.map((p) => p.name);
    let checked = 0;
    for (const [path, item] of Object.entries<Record<string, OpenApiOperation>>(doc.paths)) {
      // the rows of the API; deletion records (/deletions) are audit lines, and webhooks
      // (/webhooks) settings, with no version column, whose answers carry no ETag (README, "How a
      // client retries safely")
      if (!/\{id\}/.test(path) || /^\/(deletions|webhooks)\b/.test(path)) continue;
      for (const [method, op] of Object.entries(item)) {
        const success = op.responses['200'] ?? op.responses['201'];
        expect([path, method, Object.keys(success?.headers ?? {})]).toEqual([
          path,
          method,
          expect.arrayContaining(['ETag']),
        ]);
        if (method === 'get') {
          expect(names(op)).toContain('If-None-Match');
          expect(Object.keys(op.responses)).toContain('304');
        } else {
          expect([path, method, names(op)]).toEqual([
            path,
            method,
            expect.arrayContaining(['If-Match']),
          ]);
          expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['412', '428']));
        }
        checked++;
      }
    }
    // GET, PATCH, DELETE of workflows, interviews and todos, and the restore
    expect(checked).toBe(10);
  });

  interface OpenApiOperation {
    parameters: Array<{ name: string }>;
    responses: Record<string, { headers?: Record<string, unknown> }>;
  }
});

describe('REQUIRE_IF_MATCH=true (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('require_if_match', { REQUIRE_IF_MATCH: 'true' });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers 428 in the error shape to a PATCH, DELETE or restore without If-Match, and runs them with it', async () => {
    const workflow = await createWorkflow(t.http);
    const todo = await createTodo(t.http, { workflowId: workflow.id });
    for (const res of [
      await t.http.patch(`/workflows/${workflow.id}`).send({ name: 'x' }),
      await t.http.patch(`/todos/${todo.id}`).send({ title: 'x' }),
      await t.http.delete(`/todos/${todo.id}`),
      await t.http.delete(`/workflows/${workflow.id}`),
    ]) {
      expect(res.status).toBe(428);
      expectErrorShape(res.body, 428);
    }
    const { headers } = await t.http.get(`/workflows/${workflow.id}`).expect(200);
    const patched = await t.http
      .patch(`/workflows/${workflow.id}`)
      .set('If-Match', headers.etag)
      .send({ name: 'x' })
      .expect(200);
    const deleted = await t.http
      .delete(`/workflows/${workflow.id}`)
      .set('If-Match', patched.headers.etag)
      .expect(200);
    expect((await t.http.post(`/workflows/${workflow.id}/restore`)).status).toBe(428);
    await t.http
      .post(`/workflows/${workflow.id}/restore`)
      .set('If-Match', deleted.headers.etag)
      .expect(200);
  });
  it('answers 401 to a write without a valid token, with or without If-Match, before 428 or 412, and changes nothing', async () => {
    const todo = await createTodo(t.http);
    const anonymous = () => request(t.app.getHttpServer()).patch(`/todos/${todo.id}`);
    for (const res of [
      await anonymous().send({ title: 'x' }),
      await anonymous().set('If-Match', '"999"').send({ title: 'x' }),
      await anonymous().set('If-Match', '"1"').send({ title: 'x' }),
      await anonymous()
        .set('authorization', 'Bearer not-a-jwt')
        .set('If-Match', '"999"')
        .send({ title: 'x' }),
    ]) {
      expect(res.status).toBe(401);
      expectErrorShape(res.body, 401);
    }
    const { body, headers } = await t.http.get(`/todos/${todo.id}`).expect(200);
    expect(body.title).toBe(todo.title);
    expect(headers.etag).toBe('"1"');
  });
});
