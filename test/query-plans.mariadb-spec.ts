import { encodeCursor } from '../src/common/pagination/cursor';
import { StatementLog } from './setup/statement-log';
import { startTestApp, type TestApp } from './setup/test-app';

/**
 * Every list filter and cursor query the service issues is answered through an index, never a
 * full table scan: the statements are captured from real requests and EXPLAINed on MariaDB. Rows
 * belong to two organizations; the requests are organization 1's, and every list index leads with
 * organization_id (or is the link's, whose workflow is of one organization).
 */
describe('Query plans of the list routes on MariaDB (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('query_plans');
    const statuses = ['draft', 'active', 'closed', 'archived'];
    await t.db.query(
      `INSERT INTO recruitment_processes (name, status, organization_id) SELECT CONCAT('w', seq), ELT(1 + seq % 4, ${statuses.map(() => '?').join(', ')}), 1 + seq % 2 FROM seq_1_to_2000`,
      statuses,
    );
    await t.db.query(
      `INSERT INTO interviews (title, candidate_id, recruiter_id, status, workflow_id, organization_id)
       SELECT CONCAT('i', seq), seq, 1, ELT(1 + seq % 4, 'scheduled', 'completed', 'cancelled', 'no_show'), 1 + seq % 2000, 1 + (1 + seq % 2000) % 2 FROM seq_1_to_20000`,
    );
    await t.db.query(
      `INSERT INTO todos (title, owner_id, status, workflow_id, organization_id)
       SELECT CONCAT('t', seq), 1 + seq % 500, ELT(1 + seq % 4, 'pending', 'in_progress', 'completed', 'cancelled'), 1 + seq % 2000, 1 + (1 + seq % 2000) % 2 FROM seq_1_to_20000`,
    );
    await t.db.query('ANALYZE TABLE recruitment_processes, interviews, todos');
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['/workflows', {}],
    ['/workflows', { cursor: encodeCursor(1500, { list: 'recruitment_processes', filter: {} }) }],
    ['/workflows', { status: 'closed' }],
    [
      '/workflows',
      {
        status: 'closed',
        cursor: encodeCursor(1000, { list: 'recruitment_processes', filter: { status: 'closed' } }),
      },
    ],
    ['/interviews', {}],
    ['/interviews', { cursor: encodeCursor(15_000, { list: 'interviews', filter: {} }) }],
    ['/interviews', { workflowId: 78 }],
    [
      '/interviews',
      {
        status: 'no_show',
        cursor: encodeCursor(10_000, { list: 'interviews', filter: { status: 'no_show' } }),
      },
    ],
    ['/interviews', { workflowId: 78, status: 'completed' }],
    ['/todos', {}],
    ['/todos', { ownerId: 42 }],
    [
      '/todos',
      { ownerId: 42, cursor: encodeCursor(5000, { list: 'todos', filter: { ownerId: 42 } }) },
    ],
    ['/todos', { status: 'cancelled' }],
    ['/todos', { workflowId: 1998, ownerId: 499 }],
  ])('GET %s %j reads through an index', async (path, query) => {
    const statements = await StatementLog.capture(t.db, () =>
      t.http.get(path).query(query).expect(200),
    );
    const selects = statements.filter((s) => /^SELECT/i.test(s.sql));
    expect(selects).toHaveLength(1);
    const plan = await t.db.query(`EXPLAIN ${selects[0].sql}`, selects[0].params);
    for (const step of plan) {
      expect({ table: step.table, type: step.type, key: step.key }).toEqual({
        table: step.table,
        type: expect.not.stringMatching(/^ALL$/),
        key: expect.any(String),
      });
    }
  });

  it("reads and cascades a workflow's rows through the link's index, not the organization's", async () => {
    // workflow 78 is organization 1's (1 + 78 % 2), with ten interviews and ten todos
    const statements = await StatementLog.capture(t.db, async () => {
      await t.http.get('/workflows/78?include=interviews,todos').expect(200);
      await t.http.delete('/workflows/78').expect(200);
    });
    const linked = statements.filter((s) => /workflow_id (= \?|IN \()/.test(s.sql));
    expect(linked.length).toBeGreaterThanOrEqual(4);
    for (const statement of linked) {
      const plan = await t.db.query(`EXPLAIN ${statement.sql}`, statement.params);
      for (const step of plan) {
        expect([statement.sql, step.key]).toEqual([
          statement.sql,
          expect.stringMatching(/^ix_(interviews|todos)_workflow_id$/),
        ]);
      }
    }
  });

  it("cascades the newest workflow of a large organization through the link's index alone", async () => {
    // its rows are the tables' last: an intersection with the organization's index would read
    // all of the organization's rows before them (MariaDB's index_merge; see the migration
    // IndexLinksWithOrganization1760850000000)
    const { id } = (await t.http.post('/workflows').send({ name: 'newest' }).expect(201)).body;
    for (const [table, columns, values] of [
      ['interviews', 'title, candidate_id, recruiter_id', "'n', seq, 1"],
      ['todos', 'title, owner_id', "'n', 1"],
    ]) {
      await t.db.query(
        `INSERT INTO ${table} (${columns}, workflow_id, organization_id) SELECT ${values}, ?, 1 FROM seq_1_to_300`,
        [id],
      );
    }
    const statements = await StatementLog.capture(t.db, () =>
      t.http.delete(`/workflows/${id}`).expect(200),
    );
    const cascade = statements.filter((s) => /^UPDATE (interviews|todos) /.test(s.sql));
    expect(cascade).toHaveLength(2);
    for (const statement of cascade) {
      const [step] = await t.db.query(`EXPLAIN ${statement.sql}`, statement.params);
      expect([statement.sql, step.type, step.key]).toEqual([
        statement.sql,
        expect.stringMatching(/^(ref|range)$/),
        expect.stringMatching(/^ix_(interviews|todos)_workflow_id$/),
      ]);
    }
  });

  it("pages a deletion's rows, restores them and lists the trash through the organization's indexes", async () => {
    // workflow 80 is organization 1's, with ten interviews and ten todos
    const deleted = await t.http.delete('/workflows/80').expect(200);
    const id = deleted.body.deletionId as number;
    await t.db.query(
      `INSERT INTO deletions (organization_id, resource, ids, counts, deleted_at, deleted_by)
       SELECT 1 + seq % 2, 'todos', CONCAT('[', seq, ']'), '{"todos":1}', '2025-10-02 09:30:00.000', 1 + seq % 50 FROM seq_1_to_4000`,
    );
    await t.db.query('ANALYZE TABLE deletions, recruitment_processes, interviews, todos');
    const statements = await StatementLog.capture(t.db, async () => {
      const first = await t.http
        .get(`/deletions/${id}/rows`)
        .query({ resource: 'todos', limit: 3 })
        .expect(200);
      expect(first.body.items).toHaveLength(3);
      // a cursor is bound to its list: the interviews' second page with the interviews' cursor
      const interviews = await t.http
        .get(`/deletions/${id}/rows`)
        .query({ resource: 'interviews', limit: 3 })
        .expect(200);
      await t.http
        .get(`/deletions/${id}/rows`)
        .query({ resource: 'interviews', limit: 3, cursor: interviews.body.nextCursor })
        .expect(200);
      await t.http.get('/deletions').query({ limit: 5 }).expect(200);
      await t.http
        .get('/deletions')
        .query({ limit: 5, cursor: encodeCursor(3000, { list: 'deletions', filter: {} }) })
        .expect(200);
      await t.http.get('/deletions').query({ resource: 'todos', limit: 5 }).expect(200);
      await t.http.get('/deletions').query({ deletedBy: 7, limit: 5 }).expect(200);
      await t.http.post(`/deletions/${id}/restore`).expect(200);
    });
    const explained = statements.filter(
      (s) => /deletion_id = \?|FROM deletions/.test(s.sql) && /^(SELECT|UPDATE)/i.test(s.sql),
    );
    expect(explained.length).toBeGreaterThanOrEqual(10);
    for (const statement of explained) {
      const plan = await t.db.query(`EXPLAIN ${statement.sql}`, statement.params);
      for (const step of plan) {
        expect([statement.sql, step.type, step.key]).toEqual([
          statement.sql,
          expect.not.stringMatching(/^ALL$/),
          expect.stringMatching(/^(PRIMARY|ix_\w+_organization_id\w*)$/),
        ]);
      }
    }
  });

  it("restores a todo's deletion through its rows and the workflows' primary key, reading no other workflow", async () => {
    // workflow 82 is organization 1's, with ten todos; each step must find its rows by a key,
    // not read an index whole (`index`, which a locking read would lock whole)
    const [todo] = await t.db.query(
      'SELECT id FROM todos WHERE workflow_id = 82 AND organization_id = 1 ORDER BY id LIMIT 1',
    );
    const deleted = await t.http.delete(`/todos/${todo.id}`).expect(200);
    const statements = await StatementLog.capture(t.db, () =>
      t.http.post(`/deletions/${deleted.body.deletionId}/restore`).expect(200),
    );
    const workflows = statements.filter((s) => /recruitment_processes/.test(s.sql));
    expect(workflows.length).toBeGreaterThanOrEqual(2);
    for (const statement of workflows) {
      const plan = await t.db.query(`EXPLAIN ${statement.sql}`, statement.params);
      for (const step of plan) {
        expect([statement.sql, step.table, step.type]).toEqual([
          statement.sql,
          step.table,
          expect.stringMatching(/^(const|eq_ref|ref|range)$/),
        ]);
      }
    }
  });
});
