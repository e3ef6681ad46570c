import { createTodo, createWorkflow, expectErrorShape } from './setup/fixtures';
import { rejectUpdatesOf } from './setup/reject-updates';
import { startTestApp, type TestApp } from './setup/test-app';

/**
 * Idempotency-Key on the POST and DELETE routes: a repeat answers the first answer and changes
 * nothing, whoever else uses the same key.
 */
describe('Idempotency-Key (e2e)', () => {
  let t: TestApp;
  let serial = 0;
  /** A key no other test uses. */
  const newKey = () => `key-${Date.now()}-${++serial}`;

  beforeAll(async () => {
    t = await startTestApp('idempotency', { IDEMPOTENCY_TTL: '1h' });
  });

  afterAll(async () => {
    await t?.close();
  });

  const count = async (table: string, where = '1 = 1', params: unknown[] = []) =>
    Number((await t.db.query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, params))[0].n);

  it('answers a repeated POST with the stored status, body and ETag, Idempotent-Replayed: true, and creates one row', async () => {
    const key = newKey();
    const body = { title: 'Call the candidate', ownerId: 5 };
    const first = await t.http.post('/todos').set('Idempotency-Key', key).send(body).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await t.http.post('/todos').set('Idempotency-Key', key).send(body).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(await count('todos', 'title = ?', ['Call the candidate'])).toBe(1);
  });

  it('ten copies of one keyed POST sent at once create one row: one answer ran, every other one replays it (SQLite) or replays it or answers 409 with Retry-After (MariaDB)', async () => {
    const key = newKey();
    const body = { title: 'Copies at once', ownerId: 5 };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.http.post('/todos').set('Idempotency-Key', key).send(body),
      ),
    );
    const ran = answers.filter((a) => a.status === 201 && !a.headers['idempotent-replayed']);
    expect(ran).toHaveLength(1);
    for (const answer of answers) {
      if (answer.status === 409) expect(answer.headers['retry-after']).toBe('1');
      else expect([answer.status, answer.body]).toEqual([201, ran[0].body]);
    }
    // SQLite's one writer runs the copies' transactions after the first one's: each meets the key
    // stored, and answers what the first answered
    if (t.database.kind === 'sqlite') {
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    }
    expect(await count('todos', 'title = ?', ['Copies at once'])).toBe(1);
    expect(await count('idempotency_keys', 'idempotency_key = ?', [key])).toBe(1);
  });

  it("sends the answer as it stores it: a POST's body, its replay's and its outbox event's data are one JSON text, with a token new to the service and with one it knows", async () => {
    // a caller whose token the service has not verified yet: its first keyed request verifies
    // it, its second finds it verified
    const client = t.as(1, 'editor', 7001);
    for (const title of ['First of a new token', 'Second of a known token']) {
      const key = newKey();
      const body = { title, ownerId: 5 };
      const first = await client.post('/todos').set('Idempotency-Key', key).send(body).expect(201);
      expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(first.body).toMatchObject({ title, ownerId: 5 });
      const again = await client.post('/todos').set('Idempotency-Key', key).send(body).expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers['content-type']).toBe(first.headers['content-type']);
      expect(again.text).toBe(first.text);
      const [event] = await t.db.query(
        `SELECT data FROM outbox_events WHERE type = 'todo.created' AND actor_id = 7001 ORDER BY id DESC LIMIT 1`,
      );
      const data: unknown = event.data;
      expect(typeof data === 'string' ? data : JSON.stringify(data)).toBe(first.text);
    }
    expect(
      await count('todos', 'title IN (?, ?)', ['First of a new token', 'Second of a known token']),
    ).toBe(2);
  });

  it('stores the answer in the same transaction as the effect: a rolled-back effect stores nothing and frees the key', async () => {
    const key = newKey();
    // a link to a workflow that does not exist: 422, nothing written
    const failed = await t.http
      .post('/todos')
      .set('Idempotency-Key', key)
      .send({ title: 'Linked', ownerId: 5, workflowId: 999_999 })
      .expect(422);
    expectErrorShape(failed.body, 422);
    expect(await count('idempotency_keys', 'idempotency_key = ?', [key])).toBe(0);
    // the corrected request with the same key runs
    const workflow = await createWorkflow(t.http);
    const fixed = await t.http
      .post('/todos')
      .set('Idempotency-Key', key)
      .send({ title: 'Linked', ownerId: 5, workflowId: workflow.id })
      .expect(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
    const [stored] = await t.db.query(
      'SELECT response_status, response_body FROM idempotency_keys WHERE idempotency_key = ?',
      [key],
    );
    expect(Number(stored.response_status)).toBe(201);
    expect(JSON.parse(stored.response_body)).toEqual(fixed.body);
  });

  it('rolls the effect back when its answer cannot be stored with it, and frees the key', async () => {
    const key = newKey();
    const allowUpdates = await rejectUpdatesOf(t.db, t.database.kind, 'idempotency_keys');
    try {
      const res = await t.http
        .post('/todos')
        .set('Idempotency-Key', key)
        .send({ title: 'Atomic', ownerId: 5 })
        .expect(500);
      expectErrorShape(res.body, 500);
    } finally {
      await allowUpdates();
    }
    expect(await count('todos', 'title = ?', ['Atomic'])).toBe(0);
    expect(await count('idempotency_keys', 'idempotency_key = ?', [key])).toBe(0);
    await t.http
      .post('/todos')
      .set('Idempotency-Key', key)
      .send({ title: 'Atomic', ownerId: 5 })
      .expect(201);
    expect(await count('todos', 'title = ?', ['Atomic'])).toBe(1);
  });

  it("answers 409 and rolls the effect back when the key is no longer the request's at its commit (taken over by a retry)", async () => {
    const key = newKey();
    // a retry that takes the key over while the first request runs (as after the lease), made
    // here by a trigger inside the first request's transaction, between its INSERT and its commit
    const lockId = 'taken-over-by-a-retry-0000000000';
    await t.db.query(
      t.database.kind === 'sqlite'
        ? `CREATE TRIGGER test_take_over AFTER INSERT ON todos BEGIN UPDATE idempotency_keys SET lock_id = '${lockId}' WHERE idempotency_key = '${key}'; END`
        : `CREATE TRIGGER test_take_over AFTER INSERT ON todos FOR EACH ROW UPDATE idempotency_keys SET lock_id = '${lockId}' WHERE idempotency_key = '${key}'`,
    );
    try {
      const res = await t.http
        .post('/todos')
        .set('Idempotency-Key', key)
        .send({ title: 'Taken over', ownerId: 5 })
        .expect(409);
      expectErrorShape(res.body, 409);
      expect(res.body.message).toMatch(
        /taken over by a retry of this request; nothing was changed/,
      );
      expect(res.headers['retry-after']).toBe('1');
    } finally {
      await t.db.query('DROP TRIGGER IF EXISTS test_take_over');
    }
    expect(await count('todos', 'title = ?', ['Taken over'])).toBe(0);
    // the trigger's take-over rolled back with the rest: the key was freed, and the retry runs
    expect(await count('idempotency_keys', 'idempotency_key = ?', [key])).toBe(0);
    await t.http
      .post('/todos')
      .set('Idempotency-Key', key)
      .send({ title: 'Taken over', ownerId: 5 })
      .expect(201);
    expect(await count('todos', 'title = ?', ['Taken over'])).toBe(1);
  });

  it('frees the key of a request that fails validation (400): the corrected retry runs', async () => {
    const key = newKey();
    await t.http.post('/workflows').set('Idempotency-Key', key).send({ name: '' }).expect(400);
    const ok = await t.http
      .post('/workflows')
      .set('Idempotency-Key', key)
      .send({ name: 'Corrected' })
      .expect(201);
    expect(ok.headers['idempotent-replayed']).toBeUndefined();
  });

  it('answers 422 for the same key with another body, path or method, and changes nothing', async () => {
    const key = newKey();
    const workflow = await createWorkflow(t.http);
    await t.http
      .post('/todos')
      .set('Idempotency-Key', key)
      .send({ title: 'A', ownerId: 1 })
      .expect(201);
    const before = await count('todos');
    for (const res of [
      await t.http.post('/todos').set('Idempotency-Key', key).send({ title: 'B', ownerId: 1 }),
      await t.http
        .post('/interviews')
        .set('Idempotency-Key', key)
        .send({ title: 'A', candidateId: 1, recruiterId: 2 }),
      await t.http.delete(`/workflows/${workflow.id}`).set('Idempotency-Key', key),
    ]) {
      expect(res.status).toBe(422);
      expectErrorShape(res.body, 422);
      expect(res.body.message).toMatch(/Idempotency-Key was used for another request/);
    }
    expect(await count('todos')).toBe(before);
    await t.http.get(`/workflows/${workflow.id}`).expect(200);
  });

  it('answers 422 for the same key with another body that fails validation, without its Retry-After or ETag', async () => {
    const key = newKey();
    await t.http
      .post('/todos')
      .set('Idempotency-Key', key)
      .send({ title: 'Valid', ownerId: 1 })
      .expect(201);
    const res = await t.http.post('/todos').set('Idempotency-Key', key).send({ title: '' });
    expect(res.status).toBe(422);
    expectErrorShape(res.body, 422);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.headers.etag).toBeUndefined();
  });

  it('replays the answer of a POST whose workflow was deleted since: the repeat does not fail on what changed after it', async () => {
    const key = newKey();
    const workflow = await createWorkflow(t.http);
    const body = { title: 'Linked, then orphaned', ownerId: 1, workflowId: workflow.id };
    const first = await t.http.post('/todos').set('Idempotency-Key', key).send(body).expect(201);
    await t.http.delete(`/workflows/${workflow.id}`).expect(200);
    // run again, the route would refuse the link to a deleted workflow
    await t.http.post('/todos').send(body).expect(422);
    const again = await t.http.post('/todos').set('Idempotency-Key', key).send(body).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.body).toEqual(first.body);
  });

  it('answers 409 with Retry-After while the first request with the key is still running', async () => {
    const key = newKey();
    const body = { name: 'In progress' };
    // a first request that claimed the key and has not answered yet (on this or another replica)
    await t.db.query(
      `INSERT INTO idempotency_keys (organization_id, subject_id, idempotency_key, request_hash, lock_id, locked_at, created_at)
       VALUES (1, 1, ?, ?, 'lock-of-the-first-request-000000', ?, ?)`,
      [key, await requestHash('POST', '/workflows', body), nowDb(), nowDb()],
    );
    const res = await t.http.post('/workflows').set('Idempotency-Key', key).send(body).expect(409);
    expectErrorShape(res.body, 409);
    expect(res.headers['retry-after']).toBe('1');
    expect(await count('recruitment_processes', 'name = ?', ['In progress'])).toBe(0);
    // a request abandoned for longer than the lease (its replica died) is taken over
    await t.db.query('UPDATE idempotency_keys SET locked_at = ? WHERE idempotency_key = ?', [
      toDb(new Date(Date.now() - 5 * 60_000)),
      key,
    ]);
    await t.http.post('/workflows').set('Idempotency-Key', key).send(body).expect(201);
    expect(await count('recruitment_processes', 'name = ?', ['In progress'])).toBe(1);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['not ASCII', 'clé'],
    ['a control character', 'a\tb'],
  ])('answers 400 for a key that is %s, and changes nothing', async (_label, key) => {
    const before = await count('recruitment_processes');
    const res = await t.http
      .post('/workflows')
      .set('Idempotency-Key', key)
      .send({ name: 'Bad key' });
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 400);
    expect(await count('recruitment_processes')).toBe(before);
  });

  it('accepts keys of 1 and 255 printable characters, spaces and symbols included', async () => {
    for (const key of ['x', `${newKey()} ~!@#$%^&*()`.padEnd(255, '~')]) {
      await t.http
        .post('/workflows')
        .set('Idempotency-Key', key)
        .send({ name: 'Edge key' })
        .expect(201);
      const again = await t.http
        .post('/workflows')
        .set('Idempotency-Key', key)
        .send({ name: 'Edge key' })
        .expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
    }
    expect(await count('recruitment_processes', 'name = ?', ['Edge key'])).toBe(2);
  });

  it('replays DELETE, restore, orphan repair and purge without running them again', async () => {
    const workflow = await createWorkflow(t.http);
    await createTodo(t.http, { workflowId: workflow.id });
    const key = newKey();
    const deleted = await t.http
      .delete(`/workflows/${workflow.id}`)
      .set('Idempotency-Key', key)
      .expect(200);
    const replayed = await t.http
      .delete(`/workflows/${workflow.id}`)
      .set('Idempotency-Key', key)
      .expect(200);
    expect(replayed.body).toEqual(deleted.body);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    // without the key, the second DELETE is a second request: 404
    await t.http.delete(`/workflows/${workflow.id}`).expect(404);

    const restoreKey = newKey();
    const restored = await t.http
      .post(`/workflows/${workflow.id}/restore`)
      .set('Idempotency-Key', restoreKey)
      .expect(200);
    expect(restored.body.restored).toEqual({ interviews: 0, todos: 1 });
    const again = await t.http
      .post(`/workflows/${workflow.id}/restore`)
      .set('Idempotency-Key', restoreKey)
      .expect(200);
    expect(again.body).toEqual(restored.body);
    await t.http.post(`/workflows/${workflow.id}/restore`).expect(409);

    for (const [path, body] of [
      ['/admin/orphans/repair', undefined],
      ['/admin/purge', { olderThan: '30d' }],
    ] as const) {
      const k = newKey();
      const first = await t.http.post(path).set('Idempotency-Key', k).send(body).expect(200);
      const second = await t.http.post(path).set('Idempotency-Key', k).send(body).expect(200);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toEqual(first.body);
    }
  });

  it('keeps keys apart per caller (sub) and per organization', async () => {
    const key = newKey();
    const body = { name: 'Per caller' };
    const clients = [t.as(1, 'editor', 1), t.as(1, 'editor', 2), t.as(2, 'editor', 1)];
    for (const client of clients) {
      const res = await client
        .post('/workflows')
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
    }
    for (const client of clients) {
      const res = await client
        .post('/workflows')
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      expect(res.headers['idempotent-replayed']).toBe('true');
    }
    expect(await count('recruitment_processes', 'name = ?', ['Per caller'])).toBe(3);
    expect(
      await t.db.query(
        'SELECT organization_id, subject_id FROM idempotency_keys WHERE idempotency_key = ? ORDER BY organization_id, subject_id',
        [key],
      ),
    ).toEqual([
      { organization_id: 1, subject_id: 1 },
      { organization_id: 1, subject_id: 2 },
      { organization_id: 2, subject_id: 1 },
    ]);
    // another organization's purge does not see them; the TTL purge of its own does
    const purged = await t.as(3).post('/admin/purge').send({ olderThan: '1d' }).expect(200);
    expect(purged.body.idempotencyKeys).toBe(0);
    expect(await count('idempotency_keys', 'idempotency_key = ?', [key])).toBe(3);
  });

  it('purges keys stored longer ago than IDEMPOTENCY_TTL (here 1h) with the retention purge, after which the key is new again', async () => {
    const key = newKey();
    const body = { name: 'Expiring' };
    await t.as(5).post('/workflows').set('Idempotency-Key', key).send(body).expect(201);
    // a key whose time is up is not replayed even before the purge removes it
    await t.db.query('UPDATE idempotency_keys SET created_at = ? WHERE idempotency_key = ?', [
      toDb(new Date(Date.now() - 2 * 3_600_000)),
      key,
    ]);
    const dry = await t
      .as(5)
      .post('/admin/purge')
      .send({ olderThan: '30d', dryRun: true })
      .expect(200);
    expect(dry.body.idempotencyKeys).toBe(1);
    const real = await t.as(5).post('/admin/purge').send({ olderThan: '30d' }).expect(200);
    expect(real.body.idempotencyKeys).toBe(1);
    expect(await count('idempotency_keys', 'idempotency_key = ?', [key])).toBe(0);
    const again = await t
      .as(5)
      .post('/workflows')
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(
      await count('recruitment_processes', 'name = ? AND organization_id = 5', ['Expiring']),
    ).toBe(2);
  });

  it('takes over an expired key that the purge has not removed yet', async () => {
    const key = newKey();
    await t.http.post('/workflows').set('Idempotency-Key', key).send({ name: 'Old' }).expect(201);
    await t.db.query('UPDATE idempotency_keys SET created_at = ? WHERE idempotency_key = ?', [
      toDb(new Date(Date.now() - 2 * 3_600_000)),
      key,
    ]);
    // after its TTL, the key may even stand for another request
    const res = await t.http
      .post('/workflows')
      .set('Idempotency-Key', key)
      .send({ name: 'New' })
      .expect(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(await count('idempotency_keys', 'idempotency_key = ?', [key])).toBe(1);
  });

  it('declares Idempotency-Key, 409 and 422 on every POST and DELETE route of the OpenAPI document', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    let routes = 0;
    for (const [path, item] of Object.entries<Record<string, OpenApiOperation>>(doc.paths)) {
      for (const method of ['post', 'delete']) {
        const op = item[method];
        if (!op) continue;
        routes++;
        expect([path, method, op.parameters.map((p) => p.name)]).toEqual([
          path,
          method,
          expect.arrayContaining(['Idempotency-Key']),
        ]);
        expect([path, method, Object.keys(op.responses)]).toEqual([
          path,
          method,
          expect.arrayContaining(['400', '409', '422']),
        ]);
      }
    }
    expect(routes).toBeGreaterThanOrEqual(8);
  });

  interface OpenApiOperation {
    parameters: Array<{ name: string }>;
    responses: Record<string, unknown>;
  }

  function nowDb(): string {
    return toDb(new Date());
  }

  function toDb(date: Date): string {
    return date.toISOString().replace('T', ' ').slice(0, 23);
  }

  async function requestHash(method: string, url: string, body: unknown): Promise<string> {
    const { createHash } = await import('node:crypto');
    return createHash('sha256')
      .update(`${method} ${url}\n`)
      .update(JSON.stringify(body))
      .digest('hex');
  }
});
