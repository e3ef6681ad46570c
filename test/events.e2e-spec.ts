import type TestAgent from 'supertest/lib/agent';
import {
  createTodo,
  createWorkflow,
  expectErrorShape,
  ISO_UTC,
  type ApiRow,
} from './setup/fixtures';
import { withoutForeignKeyChecks } from './setup/linked-kind-suite';
import { rejectInsertsInto, rejectUpdatesOf } from './setup/reject-updates';
import { startTestApp, type TestApp } from './setup/test-app';

interface FeedEvent {
  id: string;
  type: string;
  occurredAt: string;
  actor: number | null;
  data: Record<string, unknown>;
}

/**
 * The transactional outbox and its feed (issue 12): every change writes its events in its own
 * transaction, a rolled-back one writes none, a cascade writes as many events whatever it
 * reached, and `GET /events` serves them in id order to admins and the `integration` role only.
 * (EVENTS_SETTLE_MS=0: this suite reads its own writes at once; the settle window is exercised
 * by test/events-race.mariadb-spec.ts under concurrent writers.)
 */
describe('The change feed: GET /events (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('events', { EVENTS_SETTLE_MS: '0' });
  });

  afterAll(async () => {
    await t?.close();
  });

  /** The id of the newest event of the organization (0 when none). */
  async function lastId(http: TestAgent = t.http): Promise<string> {
    let after = '0';
    for (;;) {
      const res = await http.get('/events').query({ after, limit: 100 }).expect(200);
      if (res.body.items.length === 0) return after;
      after = res.body.nextAfter;
    }
  }

  /** Every event after `after`, paging through the feed. */
  async function eventsAfter(after: string, http: TestAgent = t.http): Promise<FeedEvent[]> {
    const all: FeedEvent[] = [];
    for (;;) {
      const res = await http.get('/events').query({ after, limit: 100 }).expect(200);
      all.push(...res.body.items);
      if (res.body.items.length === 0) return all;
      after = res.body.nextAfter;
    }
  }

  const rowCount = async (): Promise<number> =>
    Number((await t.db.query('SELECT COUNT(*) AS n FROM outbox_events'))[0].n);

  /** A workflow with `children` todos and as many interviews, inserted in SQL. */
  async function workflowWith(children: number): Promise<ApiRow> {
    const workflow = await createWorkflow(t.http);
    for (const [table, columns, values] of [
      ['todos', 'title, owner_id, workflow_id', (i: number) => [`t${i}`, 7, workflow.id]],
      [
        'interviews',
        'title, candidate_id, recruiter_id, workflow_id',
        (i: number) => [`i${i}`, 1, 2, workflow.id],
      ],
    ] as const) {
      const rows = Array.from({ length: children }, (_, i) => values(i));
      const placeholders = rows.map((r) => `(${r.map(() => '?').join(', ')})`).join(', ');
      await t.db.query(`INSERT INTO ${table} (${columns}) VALUES ${placeholders}`, rows.flat());
    }
    return workflow;
  }

  it('serves every change of the workflows, linked rows and deletions in id order, each with the answer as data and the caller as actor', async () => {
    const start = await lastId();
    const editor = t.as(1, 'editor', 41);
    const created = (await editor.post('/workflows').send({ name: 'feed' }).expect(201)).body;
    const updated = (
      await editor.patch(`/workflows/${created.id}`).send({ status: 'active' }).expect(200)
    ).body;
    const todo = (
      await editor
        .post('/todos')
        .send({ title: 'call', ownerId: 3, workflowId: created.id })
        .expect(201)
    ).body;
    const todoUpdated = (
      await editor.patch(`/todos/${todo.id}`).send({ status: 'completed' }).expect(200)
    ).body;
    const admin = t.as(1, 'admin', 42);
    const deleted = (await admin.delete(`/workflows/${created.id}`).expect(200)).body;
    const deletion = (await admin.get(`/deletions/${deleted.deletionId}`).expect(200)).body;
    const restored = (await admin.post(`/workflows/${created.id}/restore`).expect(200)).body;
    const other = await createTodo(t.http, { title: 'alone' });
    const todoDeleted = (await editor.delete(`/todos/${other.id}`).expect(200)).body;
    const purged = (await admin.post(`/deletions/${todoDeleted.deletionId}/purge`).expect(200))
      .body;

    const events = await eventsAfter(start);

    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ['workflow.created', 41],
      ['workflow.updated', 41],
      ['todo.created', 41],
      ['todo.updated', 41],
      ['deletion.created', 42],
      ['workflow.deleted', 42],
      ['deletion.restored', 42],
      ['workflow.restored', 42],
      ['todo.created', 1],
      ['todo.deleted', 41],
      ['deletion.created', 41],
      ['deletion.purged', 42],
    ]);
    expect(events.map((e) => e.data)).toEqual([
      created,
      updated,
      todo,
      todoUpdated,
      deletion,
      deleted,
      expect.objectContaining({ id: deleted.deletionId, restoredBy: 42 }),
      restored,
      other,
      todoDeleted,
      expect.objectContaining({
        id: todoDeleted.deletionId,
        resource: 'todos',
        ids: [other.id],
        counts: expect.objectContaining({ workflows: 0, todos: 1 }),
        restoredAt: null,
        purgedAt: null,
      }),
      purged,
    ]);
    const ids = events.map((e) => BigInt(e.id));
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
    for (const e of events) {
      expect(e.id).toMatch(/^[1-9]\d*$/);
      expect(e.occurredAt).toMatch(ISO_UTC);
    }
    expect(events[5].occurredAt).toBe(deleted.deletedAt);
  });

  it('writes a constant number of events for a cascade, whatever it reached: the deletion carries its id and counts', async () => {
    const small = await workflowWith(2);
    const large = await workflowWith(300);

    const before = await lastId();
    await t.http.delete(`/workflows/${small.id}`).expect(200);
    const afterSmall = await lastId();
    const big = (await t.http.delete(`/workflows/${large.id}`).expect(200)).body;
    const ofSmall = (await eventsAfter(before)).filter((e) => BigInt(e.id) <= BigInt(afterSmall));
    const ofLarge = await eventsAfter(afterSmall);

    expect(ofSmall.length - ofLarge.length).toBe(0);
    expect(ofLarge.map((e) => e.type)).toEqual(['deletion.created', 'workflow.deleted']);
    expect(ofLarge[0].data).toMatchObject({
      id: big.deletionId,
      resource: 'workflows',
      ids: [large.id],
      counts: { workflows: 1, todos: 300, interviews: 300 },
    });
    expect(ofLarge[1].data.cascaded).toEqual({ interviews: 300, todos: 300 });
  });

  it('writes for a bulk deletion of workflows its deletion.created and one workflow.deleted per named workflow, none per cascaded row; deletion.restored for its restore', async () => {
    const a = await workflowWith(3);
    const b = await createWorkflow(t.http);
    const before = await lastId();
    const admin = t.as(1, 'admin', 42);
    const deletion = (
      await admin
        .post('/deletions')
        .send({ resource: 'workflows', ids: [b.id, a.id] })
        .expect(201)
    ).body;
    const rows = (
      await admin.get(`/deletions/${deletion.id}/rows`).query({ resource: 'workflows' }).expect(200)
    ).body.items;
    const restored = (await admin.post(`/deletions/${deletion.id}/restore`).expect(200)).body;

    const events = await eventsAfter(before);

    expect(deletion.counts).toMatchObject({ workflows: 2, todos: 3, interviews: 3 });
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ['deletion.created', 42],
      ['workflow.deleted', 42],
      ['workflow.deleted', 42],
      ['deletion.restored', 42],
    ]);
    expect(events[0].data).toEqual(deletion);
    // each named workflow as deleted, in id order: as the deletion's rows show it, and its
    // deletion; the cascade is counted in deletion.created only
    expect(rows.map((row: ApiRow) => row.id)).toEqual([a.id, b.id]);
    expect(events.slice(1, 3).map((e) => e.data)).toEqual(
      rows.map((row: ApiRow) => ({ ...row, deletionId: deletion.id })),
    );
    expect(events[1].data).toMatchObject({
      id: a.id,
      name: a.name,
      isDeleted: true,
      deletedAt: deletion.deletedAt,
      deletedBy: 42,
      updatedAt: deletion.deletedAt,
    });
    expect(events[1].data).not.toHaveProperty('cascaded');
    expect(events[3].data).toEqual(restored);
  });

  it('writes for a bulk deletion of linked rows one <kind>.deleted per named row, then its deletion.created', async () => {
    const workflow = await createWorkflow(t.http);
    const first = await createTodo(t.http, { title: 'first', workflowId: workflow.id });
    const second = await createTodo(t.http, { title: 'second' });
    const untouched = await createTodo(t.http, { title: 'untouched', workflowId: workflow.id });
    const before = await lastId();
    const editor = t.as(1, 'editor', 41);
    const deletion = (
      await editor
        .post('/deletions')
        .send({ resource: 'todos', ids: [second.id, first.id], reason: 'duplicates' })
        .expect(201)
    ).body;

    const events = await eventsAfter(before);

    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ['todo.deleted', 41],
      ['todo.deleted', 41],
      ['deletion.created', 41],
    ]);
    const deleted = (todo: ApiRow) => ({
      ...todo,
      updatedAt: deletion.deletedAt,
      isDeleted: true,
      deletedAt: deletion.deletedAt,
      deletedBy: 41,
      deletionId: deletion.id,
    });
    expect(events.map((e) => e.data)).toEqual([deleted(first), deleted(second), deletion]);
    expect(deletion).toMatchObject({ resource: 'todos', ids: [first.id, second.id] });
    await t.http.get(`/todos/${untouched.id}`).expect(200);
  });

  it('writes no event for a bulk deletion that fails (an id missing): 404 and nothing deleted', async () => {
    const todo = await createTodo(t.http, { title: 'kept' });
    const before = await lastId();

    await t.http
      .post('/deletions')
      .send({ resource: 'todos', ids: [todo.id, 999_999] })
      .expect(404);

    expect(await eventsAfter(before)).toEqual([]);
    await t.http.get(`/todos/${todo.id}`).expect(200);
  });

  it('writes for POST /admin/orphans/repair what the API then shows differently: <kind>.deleted per orphan it soft-deletes, <kind>.updated per row it unlinks, deletion.created per deletion it records', async () => {
    // what other tests may have left
    await t.http.post('/admin/orphans/repair').expect(200);
    // a workflow soft-deleted by hand, without its cascade: its todo is an orphan
    const stale = await createWorkflow(t.http);
    const staleTodo = await createTodo(t.http, { title: 'stale', workflowId: stale.id });
    await t.db.query(
      "UPDATE recruitment_processes SET is_deleted = 1, deleted_at = '2025-10-02 09:30:00.000', deleted_by = 7 WHERE id = ?",
      [stale.id],
    );
    // a workflow deleted through the API, then a row of it brought back by hand
    const gone = await createWorkflow(t.http);
    const back = await createTodo(t.http, { title: 'back', workflowId: gone.id });
    const goneDeletion = (await t.http.delete(`/workflows/${gone.id}`).expect(200)).body.deletionId;
    await t.db.query(
      'UPDATE todos SET is_deleted = 0, deleted_at = NULL, deleted_by = NULL, deletion_id = NULL WHERE id = ?',
      [back.id],
    );
    // links to a workflow that does not exist: an active row, and a deleted one (no event: the
    // API shows it in its deletion's rows only)
    const dangling = await createTodo(t.http, { title: 'dangling' });
    const danglingDeleted = await createTodo(t.http, { title: 'dangling, deleted' });
    await t.http.delete(`/todos/${danglingDeleted.id}`).expect(200);
    for (const todo of [dangling, danglingDeleted]) {
      await withoutForeignKeyChecks(t, 'UPDATE todos SET workflow_id = ? WHERE id = ?', [
        987654,
        todo.id,
      ]);
    }
    const before = await lastId();

    const repair = await t.as(1, 'admin', 9).post('/admin/orphans/repair').expect(200);

    expect(repair.body.todos).toEqual({ softDeleted: 2, unlinked: 2 });
    const events = await eventsAfter(before);
    expect(events.map((e) => [e.type, e.actor, e.data.id])).toEqual([
      ['todo.deleted', 9, staleTodo.id],
      ['todo.deleted', 9, back.id],
      ['todo.updated', 9, dangling.id],
      ['deletion.created', 9, expect.any(Number)],
    ]);
    const recorded = events[3].data;
    const deletedAs = (todo: ApiRow, deletedAt: string, deletionId: unknown) => ({
      ...todo,
      updatedAt: expect.stringMatching(ISO_UTC),
      isDeleted: true,
      deletedAt,
      deletedBy: 9,
      deletionId,
    });
    expect(events[0].data).toEqual(deletedAs(staleTodo, '2025-10-02T09:30:00.000Z', recorded.id));
    expect(events[1].data).toEqual(
      deletedAs(
        back,
        (await t.http.get(`/deletions/${goneDeletion}`).expect(200)).body.deletedAt,
        goneDeletion,
      ),
    );
    // as the API shows them now
    expect(events[2].data).toEqual((await t.http.get(`/todos/${dangling.id}`).expect(200)).body);
    expect(events[2].data.workflowId).toBeNull();
    expect(recorded).toEqual(
      (await t.http.get(`/deletions/${Number(recorded.id)}`).expect(200)).body,
    );
    expect(recorded).toMatchObject({
      resource: 'workflows',
      ids: [stale.id],
      reason: 'recorded by the orphan repair',
      deletedBy: 7,
      counts: expect.objectContaining({ workflows: 1, todos: 1 }),
    });
    await t.http.get(`/todos/${staleTodo.id}`).expect(404);
    await t.http.get(`/todos/${back.id}`).expect(404);

    // a second repair changes nothing, and writes nothing
    const after = await lastId();
    await t.http.post('/admin/orphans/repair').expect(200);
    expect(await eventsAfter(after)).toEqual([]);
  });

  it('writes no event for a transaction that rolls back (the database rejects the cascade by a trigger)', async () => {
    const workflow = await workflowWith(3);
    const before = await lastId();
    const rows = await rowCount();
    const allowUpdates = await rejectUpdatesOf(t.db, t.database.kind, 'todos');
    try {
      const res = await t.http.delete(`/workflows/${workflow.id}`).expect(500);
      expectErrorShape(res.body, 500);
      const res2 = await t.http
        .patch(
          `/todos/${(await t.db.query('SELECT id FROM todos WHERE workflow_id = ? LIMIT 1', [workflow.id]))[0].id}`,
        )
        .send({ status: 'completed' })
        .expect(500);
      expectErrorShape(res2.body, 500);
    } finally {
      await allowUpdates();
    }

    expect(await eventsAfter(before)).toEqual([]);
    expect(await rowCount()).toBe(rows);
    await t.http.get(`/workflows/${workflow.id}`).expect(200);
  });

  it('commits nothing when the INSERT of the events itself fails (on MariaDB it goes with the COMMIT, in one statement): 500, the rows as they were', async () => {
    const workflow = await createWorkflow(t.http);
    const todo = await createTodo(t.http, { title: 'as it was', workflowId: workflow.id });
    const todos = async () => Number((await t.db.query('SELECT COUNT(*) AS n FROM todos'))[0].n);
    const before = await lastId();
    const count = await todos();
    const allowInserts = await rejectInsertsInto(t.db, t.database.kind, 'outbox_events');
    try {
      const created = await t.http
        .post('/todos')
        .send({ title: 'lost', ownerId: 1, workflowId: workflow.id })
        .expect(500);
      expectErrorShape(created.body, 500);
      const updated = await t.http
        .patch(`/todos/${todo.id}`)
        .send({ status: 'completed' })
        .expect(500);
      expectErrorShape(updated.body, 500);
      await t.http.delete(`/workflows/${workflow.id}`).expect(500);
    } finally {
      await allowInserts();
    }

    expect(await todos()).toBe(count);
    expect((await t.http.get(`/todos/${todo.id}`).expect(200)).body).toEqual(todo);
    await t.http.get(`/workflows/${workflow.id}`).expect(200);
    expect(await eventsAfter(before)).toEqual([]);
    // and the connections the failures ran on commit the next change
    await t.http.patch(`/todos/${todo.id}`).send({ status: 'completed' }).expect(200);
    expect((await eventsAfter(before)).map((e) => e.type)).toEqual(['todo.updated']);
  });

  it('pages with after, limit and nextAfter, and filters by types', async () => {
    const before = await lastId();
    const workflow = await createWorkflow(t.http);
    await t.http.patch(`/workflows/${workflow.id}`).send({ name: 'renamed' }).expect(200);
    await t.http.delete(`/workflows/${workflow.id}`).expect(200);

    const first = await t.http.get('/events').query({ after: before, limit: 2 }).expect(200);
    expect(first.body.items.map((e: FeedEvent) => e.type)).toEqual([
      'workflow.created',
      'workflow.updated',
    ]);
    expect(first.body.nextAfter).toBe(first.body.items[1].id);
    const second = await t.http
      .get('/events')
      .query({ after: first.body.nextAfter, limit: 2 })
      .expect(200);
    expect(second.body.items.map((e: FeedEvent) => e.type)).toEqual([
      'deletion.created',
      'workflow.deleted',
    ]);
    const last = await t.http.get('/events').query({ after: second.body.nextAfter }).expect(200);
    expect(last.body).toEqual({ items: [], nextAfter: second.body.nextAfter });

    const filtered = await t.http
      .get('/events')
      .query({ after: before, types: 'deletion.created,workflow.created' })
      .expect(200);
    expect(filtered.body.items.map((e: FeedEvent) => e.type)).toEqual([
      'workflow.created',
      'deletion.created',
    ]);
    expect(filtered.body.items.map((e: FeedEvent) => e.id)).toEqual([
      first.body.items[0].id,
      second.body.items[0].id,
    ]);
  });

  it.each([
    ['after=abc', { after: 'abc' }],
    ['after=-1', { after: '-1' }],
    ['after=1.5', { after: '1.5' }],
    ['after=01', { after: '01' }],
    ['after of 19 digits', { after: '1234567890123456789' }],
    ['limit=0', { limit: '0' }],
    ['limit=101', { limit: '101' }],
    ['limit=ten', { limit: 'ten' }],
    ['an unknown type', { types: 'workflow.exploded' }],
    ['a malformed type list', { types: 'workflow.created,,todo.created' }],
    ['types=', { types: '' }],
    ['an unknown parameter', { since: '1' }],
  ])('answers 400 to %s', async (_label, query) => {
    const res = await t.http.get('/events').query(query).expect(400);
    expectErrorShape(res.body, 400);
  });

  it('shows an organization its own events only', async () => {
    const mine = await createWorkflow(t.http, { name: 'org one' });
    const theirs = t.as(2);
    const start = await lastId(theirs);
    const workflow = (await theirs.post('/workflows').send({ name: 'org two' }).expect(201)).body;

    const seen = await eventsAfter('0', theirs);
    expect(seen.every((e) => e.data.name !== 'org one')).toBe(true);
    expect((await eventsAfter(start, theirs)).map((e) => e.data)).toEqual([workflow]);
    const ofOne = await eventsAfter('0');
    expect(ofOne.some((e) => e.data.id === mine.id && e.type === 'workflow.created')).toBe(true);
    expect(ofOne.some((e) => e.data.name === 'org two')).toBe(false);
  });

  describe('roles', () => {
    it('lets the integration role read the feed, and viewers and editors not', async () => {
      await t.as(1, 'integration', 9).get('/events').expect(200);
      for (const role of ['viewer', 'editor'] as const) {
        const res = await t.as(1, role).get('/events').expect(403);
        expectErrorShape(res.body, 403);
      }
    });

    it.each([
      ['GET', '/workflows'],
      ['GET', '/workflows/1'],
      ['POST', '/workflows'],
      ['PATCH', '/workflows/1'],
      ['DELETE', '/workflows/1'],
      ['POST', '/workflows/1/restore'],
      ['GET', '/todos'],
      ['POST', '/todos'],
      ['GET', '/interviews'],
      ['GET', '/deletions'],
      ['POST', '/deletions'],
      ['GET', '/deletions/1/rows?resource=todos'],
      ['GET', '/admin/orphans'],
      ['POST', '/admin/purge'],
    ])('answers 403 to the integration role on %s %s', async (method, path) => {
      const agent = t.as(1, 'integration', 9);
      const call =
        method === 'GET'
          ? agent.get(path)
          : method === 'POST'
            ? agent.post(path).send({})
            : method === 'PATCH'
              ? agent.patch(path).send({ name: 'x' })
              : agent.delete(path);
      const res = await call.expect(403);
      expectErrorShape(res.body, 403);
      expect(res.body.message).toContain('the token has integration');
    });
  });

  it('retention: POST /admin/purge deletes the events older than EVENTS_RETENTION (30 days), counted under events', async () => {
    const old = new Date(Date.now() - 31 * 86_400_000).toISOString().slice(0, 23).replace('T', ' ');
    const recent = new Date(Date.now() - 29 * 86_400_000)
      .toISOString()
      .slice(0, 23)
      .replace('T', ' ');
    await t.db.query(
      `INSERT INTO outbox_events (organization_id, type, actor_id, occurred_at, data) VALUES
         (1, 'workflow.created', 1, ?, '{"old":true}'), (1, 'workflow.created', 1, ?, '{"recent":true}')`,
      [old, recent],
    );

    const dry = await t.http
      .post('/admin/purge')
      .send({ olderThan: '3650d', dryRun: true })
      .expect(200);
    expect(dry.body.events).toBe(1);
    const res = await t.http.post('/admin/purge').send({ olderThan: '3650d' }).expect(200);

    expect(res.body.events).toBe(1);
    const left = await t.db.query(
      'SELECT data FROM outbox_events WHERE data IN (\'{"old":true}\', \'{"recent":true}\')',
    );
    expect(left).toEqual([{ data: '{"recent":true}' }]);
  });
});
