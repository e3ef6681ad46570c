import { encodeCursor } from '../src/common/pagination/cursor';
import type { DatabaseKind } from '../src/database/database-url';
import { createInterview, createTodo, createWorkflow } from './setup/fixtures';
import { StatementLog } from './setup/statement-log';
import { startTestApp, type TestApp } from './setup/test-app';

const FEW = 2;
/**
 * What an Idempotency-Key adds to a write. On SQLite: the INSERT of the claim, the first
 * statement of the effect's transaction, and the UPDATE that stores the answer before its COMMIT.
 * On MySQL: the same two, the claim committed on its own before the route. On MariaDB: none for a new key; the claim (an INSERT, with no read of the key
 * before the route; a take-over after its duplicate only) goes with the BEGIN of the effect's
 * transaction and the UPDATE with its COMMIT, each in one compound statement (as the outbox
 * INSERT does). It was 4 (BEGIN, INSERT, COMMIT; UPDATE), then 1 (a SELECT of the key before the
 * route), before that.
 */
const KEY_STATEMENTS: Record<DatabaseKind, number> = { sqlite: 2, mysql: 2, mariadb: 0 };
const MANY = 400;

/**
 * No N+1 anywhere: every route issues the same number of SQL statements whether the workflow
 * it touches has a couple of linked rows or hundreds. (`include=` embeds at most 100 rows of a
 * kind; past that it also counts them: one COUNT per such kind, however many rows there are.)
 */
describe('SQL statements per request (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('statement_counts');
  });

  afterAll(async () => {
    await t?.close();
  });

  /** A workflow with `children` interviews and as many todos, inserted in bulk. */
  async function workflowWith(children: number) {
    const workflow = await createWorkflow(t.http, { status: 'active' });
    for (const [table, columns, values] of [
      [
        'interviews',
        'title, candidate_id, recruiter_id, status, workflow_id',
        (i: number) => [`i${i}`, 1, 2, 'scheduled', workflow.id],
      ],
      [
        'todos',
        'title, owner_id, status, workflow_id',
        (i: number) => [`t${i}`, 7, 'pending', workflow.id],
      ],
    ] as const) {
      const rows = Array.from({ length: children }, (_, i) => values(i));
      const placeholders = rows.map((r) => `(${r.map(() => '?').join(', ')})`).join(', ');
      await t.db.query(`INSERT INTO ${table} (${columns}) VALUES ${placeholders}`, rows.flat());
    }
    const interview = await createInterview(t.http, { workflowId: workflow.id });
    const todo = await createTodo(t.http, { workflowId: workflow.id });
    return { id: workflow.id, interviewId: interview.id, todoId: todo.id, deletionId: 0 };
  }

  type Fixture = Awaited<ReturnType<typeof workflowWith>>;
  const routes: Array<[string, (f: Fixture) => Promise<unknown>]> = [
    ['GET /workflows/:id', (f) => t.http.get(`/workflows/${f.id}`).expect(200)],
    [
      'GET /workflows/:id?include=interviews,todos',
      (f) => t.http.get(`/workflows/${f.id}?include=interviews,todos`).expect(200),
    ],
    [
      'GET /workflows?status=active&cursor=',
      (f) =>
        t.http
          .get('/workflows')
          .query({
            status: 'active',
            cursor: encodeCursor(f.id - 1, {
              list: 'recruitment_processes',
              filter: { status: 'active' },
            }),
          })
          .expect(200),
    ],
    [
      'GET /interviews?workflowId=&status=',
      (f) =>
        t.http
          .get('/interviews')
          .query({ workflowId: f.id, status: 'scheduled', limit: 100 })
          .expect(200),
    ],
    [
      'GET /todos?workflowId=&ownerId=',
      (f) => t.http.get('/todos').query({ workflowId: f.id, ownerId: 7, limit: 100 }).expect(200),
    ],
    [
      'POST /todos (linked)',
      (f) => t.http.post('/todos').send({ title: 'new', ownerId: 1, workflowId: f.id }).expect(201),
    ],
    [
      'PATCH /interviews/:id',
      (f) => t.http.patch(`/interviews/${f.interviewId}`).send({ status: 'completed' }).expect(200),
    ],
    [
      'PATCH /todos/:id (relink)',
      (f) => t.http.patch(`/todos/${f.todoId}`).send({ workflowId: f.id }).expect(200),
    ],
    [
      'DELETE /workflows/:id?dryRun=true',
      (f) => t.http.delete(`/workflows/${f.id}`).query({ dryRun: true }).expect(200),
    ],
    // Deletions as records (issue 11): the cascade is the record's INSERT, one UPDATE of the
    // workflow, one UPDATE per kind, and one UPDATE of the record's counts (known only once the
    // kinds' UPDATEs have run); the restore locks the record, runs one UPDATE per table and
    // marks the record restored. Still the same count for 2 rows as for 400.
    [
      'DELETE /workflows/:id (cascade)',
      async (f) => {
        f.deletionId = (await t.http.delete(`/workflows/${f.id}`).expect(200)).body.deletionId;
      },
    ],
    [
      'GET /deletions/:id/rows?resource=todos',
      (f) =>
        t.http
          .get(`/deletions/${f.deletionId}/rows`)
          .query({ resource: 'todos', limit: 100 })
          .expect(200),
    ],
    ['POST /workflows/:id/restore', (f) => t.http.post(`/workflows/${f.id}/restore`).expect(200)],
    [
      'POST /deletions (workflows, dryRun)',
      (f) =>
        t.http
          .post('/deletions')
          .send({ resource: 'workflows', ids: [f.id], dryRun: true })
          .expect(200),
    ],
    [
      'POST /deletions (workflows)',
      async (f) => {
        f.deletionId = (
          await t.http
            .post('/deletions')
            .send({ resource: 'workflows', ids: [f.id] })
            .expect(201)
        ).body.id;
      },
    ],
    [
      'POST /deletions/:id/restore',
      (f) => t.http.post(`/deletions/${f.deletionId}/restore`).expect(200),
    ],
  ];

  /**
   * The statements of each route with FEW linked rows, as they were before ETags and
   * Idempotency-Keys (main at a501f0c, and the deletions branch for its routes): a request without
   * the headers issues not one more.
   */
  const BEFORE_ETAGS_AND_KEYS: Record<string, number> = {
    'GET /workflows/:id': 1,
    'GET /workflows/:id?include=interviews,todos': 3,
    'GET /workflows?status=active&cursor=': 1,
    'GET /interviews?workflowId=&status=': 1,
    'GET /todos?workflowId=&ownerId=': 1,
    'POST /todos (linked)': 4,
    'PATCH /interviews/:id': 4,
    // one more since the relink locks the workflow before the row (the order of a workflow's
    // delete, so that the two cannot deadlock), also when the row already links to it
    'PATCH /todos/:id (relink)': 5,
    // deletion records (issue 11, counted on its branch before ETags and keys): the cascade
    // writes the record and its counts (6 -> 8), the restore goes through the deletion (6 -> 9;
    // 8 since the workflow's lock reads its deletion too, issue 16)
    'DELETE /workflows/:id?dryRun=true': 3,
    'DELETE /workflows/:id (cascade)': 8,
    'GET /deletions/:id/rows?resource=todos': 2,
    'POST /workflows/:id/restore': 8,
    'POST /deletions (workflows, dryRun)': 5,
    'POST /deletions (workflows)': 9,
    'POST /deletions/:id/restore': 7,
  };

  /**
   * The transactional outbox (issue 12) adds exactly one statement to every request that writes:
   * the INSERT of its events (one multi-row INSERT, however many events: a cascade writes two
   * whatever it reached), just before the commit. Reads and dry runs write none. On MariaDB that
   * INSERT goes with the COMMIT, as one compound statement (Database.transaction): no statement
   * more than before the outbox.
   */
  const OUTBOX_INSERT: Record<string, number> = {
    'POST /todos (linked)': 1,
    'PATCH /interviews/:id': 1,
    'PATCH /todos/:id (relink)': 1,
    'DELETE /workflows/:id (cascade)': 1,
    'POST /workflows/:id/restore': 1,
    'POST /deletions (workflows)': 1,
    'POST /deletions/:id/restore': 1,
  };

  /**
   * Writes that go with the COMMIT on MariaDB, in its compound statement (Transaction.writeAtCommit),
   * one statement fewer there: the cascade's counts on the deletion record, which nothing in the
   * transaction reads after them (docs/performance.md, "The cascade's fixed cost, measured").
   */
  const AT_COMMIT_ON_MARIADB: Record<string, number> = {
    'DELETE /workflows/:id (cascade)': 1,
  };

  it(`issues the same statements per route for ${FEW} and for ${MANY} linked rows`, async () => {
    const few = await workflowWith(FEW);
    const many = await workflowWith(MANY);
    const counts: Record<string, [number, number]> = {};
    for (const [route, request] of routes) {
      const a = await StatementLog.capture(t.db, () => request(few));
      const b = await StatementLog.capture(t.db, () => request(many));
      counts[route] = [a.length, b.length];
    }
    const countsOver100 = { 'GET /workflows/:id?include=interviews,todos': 2 };
    for (const [route, [a, b]] of Object.entries(counts)) {
      const extra = countsOver100[route as keyof typeof countsOver100] ?? 0;
      expect([route, b]).toEqual([route, a + extra]);
      expect([route, a]).toEqual([
        route,
        BEFORE_ETAGS_AND_KEYS[route] +
          (t.database.kind === 'mariadb'
            ? -(AT_COMMIT_ON_MARIADB[route] ?? 0)
            : (OUTBOX_INSERT[route] ?? 0)),
      ]);
    }
    console.log(`statements per request (${FEW} vs ${MANY} linked rows of each kind):`, counts);
  });

  it('adds the same few statements to a write sent with an Idempotency-Key, however many linked rows: the claim and the answer (in the effect transaction; on MariaDB, both go with its BEGIN and COMMIT)', async () => {
    const few = await workflowWith(FEW);
    const many = await workflowWith(MANY);
    let serial = 0;
    const keyed = (method: 'post' | 'delete', path: string, body?: object) =>
      t.http[method](path).set('Idempotency-Key', `count-${++serial}`).send(body);
    const writes: Array<[string, (f: Fixture, key: boolean) => Promise<unknown>]> = [
      [
        'POST /todos (linked)',
        (f, key) => {
          const body = { title: 'new', ownerId: 1, workflowId: f.id };
          return (key ? keyed('post', '/todos', body) : t.http.post('/todos').send(body)).expect(
            201,
          );
        },
      ],
      [
        'DELETE /workflows/:id (cascade)',
        (f, key) =>
          (key
            ? keyed('delete', `/workflows/${f.id}`)
            : t.http.delete(`/workflows/${f.id}`)
          ).expect(200),
      ],
      [
        'POST /workflows/:id/restore',
        (f, key) =>
          (key
            ? keyed('post', `/workflows/${f.id}/restore`)
            : t.http.post(`/workflows/${f.id}/restore`)
          ).expect(200),
      ],
    ];
    const extra: Record<string, number[]> = {};
    for (const [route, request] of writes) {
      const plain = (await StatementLog.capture(t.db, () => request(few, false))).length;
      // the route again, now with a key, on the other workflow (the first is deleted or restored)
      const withKey = (await StatementLog.capture(t.db, () => request(many, true))).length;
      extra[route] = [withKey - plain];
    }
    console.log('statements an Idempotency-Key adds to a write:', extra);
    for (const [route, [added]] of Object.entries(extra)) {
      expect([route, added]).toEqual([route, KEY_STATEMENTS[t.database.kind]]);
    }
  });
});
