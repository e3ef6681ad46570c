import type { DataSource } from 'typeorm';
import { expectErrorShape } from './setup/fixtures';
import { startAppOn, type TestApp } from './setup/test-app';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './setup/test-database';

const kind = testDatabaseKind();
const AT = '2025-10-02 09:30:00.000';
const EARLIER = '2025-10-01 08:00:00.000';

/**
 * Rows written as the release before deletions wrote them (deleted_with_workflow, no
 * deletion_id), covering every case: a workflow deleted with its cascade (and, beside it, a child
 * deleted on its own before it and an active one), an active workflow with a child deleted on its
 * own, an unlinked row deleted on its own, a deleted workflow of organization 2, and a child the
 * cascade deleted whose workflow was hard-deleted since (its link SET NULL).
 */
async function writeOldRelease(db: DataSource) {
  const insertWorkflow = async (name: string, deleted: boolean, org = 1): Promise<number> => {
    await db.query(
      `INSERT INTO recruitment_processes (name, is_deleted, deleted_at, deleted_by, organization_id)
       VALUES (?, ?, ?, ?, ?)`,
      [name, deleted ? 1 : 0, deleted ? AT : null, deleted ? 42 : null, org],
    );
    const [{ id }] = await db.query('SELECT MAX(id) AS id FROM recruitment_processes');
    return Number(id);
  };
  const insertChild = async (
    table: 'interviews' | 'todos',
    workflowId: number | null,
    state: 'active' | 'cascade' | 'own',
    org = 1,
  ): Promise<number> => {
    const deleted = state !== 'active';
    const columns =
      table === 'interviews' ? 'title, candidate_id, recruiter_id' : 'title, owner_id';
    const values = table === 'interviews' ? "'old', 1, 2" : "'old', 1";
    await db.query(
      `INSERT INTO ${table} (${columns}, workflow_id, is_deleted, deleted_at, deleted_by, deleted_with_workflow, organization_id)
       VALUES (${values}, ?, ?, ?, ?, ?, ?)`,
      [
        workflowId,
        deleted ? 1 : 0,
        state === 'cascade' ? AT : state === 'own' ? EARLIER : null,
        deleted ? (state === 'cascade' ? 42 : 7) : null,
        state === 'cascade' ? 1 : 0,
        org,
      ],
    );
    const [{ id }] = await db.query(`SELECT MAX(id) AS id FROM ${table}`);
    return Number(id);
  };
  const a = await insertWorkflow('A', true);
  const aInterview = await insertChild('interviews', a, 'cascade');
  const aTodos = [
    await insertChild('todos', a, 'cascade'),
    await insertChild('todos', a, 'cascade'),
  ];
  const aOwn = await insertChild('interviews', a, 'own');
  const b = await insertWorkflow('B', false);
  const aActive = await insertChild('todos', b, 'active');
  const bOwn = await insertChild('interviews', b, 'own');
  const lone = await insertChild('todos', null, 'own');
  const c = await insertWorkflow('C', true, 2);
  const cTodo = await insertChild('todos', c, 'cascade', 2);
  const gone = await insertWorkflow('gone', true);
  const dangling = await insertChild('interviews', gone, 'cascade');
  await db.query('DELETE FROM recruitment_processes WHERE id = ?', [gone]);
  return { a, aInterview, aTodos, aOwn, b, aActive, bOwn, lone, c, cTodo, dangling };
}

type Old = Awaited<ReturnType<typeof writeOldRelease>>;

/** Every deletion with its rows, keyed by what it holds, so that ids of records do not matter. */
async function deletionsByContent(db: DataSource) {
  const records = await db.query(
    'SELECT id, organization_id, resource, ids, reason, counts, deleted_at, deleted_by, restored_at, purged_at FROM deletions ORDER BY id',
  );
  const result = [];
  for (const record of records) {
    const rows: Record<string, number[]> = {};
    for (const [table, name] of [
      ['recruitment_processes', 'workflows'],
      ['interviews', 'interviews'],
      ['todos', 'todos'],
    ]) {
      rows[name] = (
        await db.query(`SELECT id FROM ${table} WHERE deletion_id = ? ORDER BY id`, [record.id])
      ).map((row: { id: number }) => Number(row.id));
    }
    result.push({
      organization: Number(record.organization_id),
      resource: record.resource,
      ids: JSON.parse(record.ids),
      reason: record.reason,
      counts: JSON.parse(record.counts),
      deletedAt: String(record.deleted_at).slice(0, 19),
      deletedBy: record.deleted_by === null ? null : Number(record.deleted_by),
      restoredAt: record.restored_at,
      purgedAt: record.purged_at,
      rows,
    });
  }
  return result;
}

/** What a correct conversion of writeOldRelease's rows holds. */
function expectedDeletions(old: Old) {
  const at = AT.slice(0, 19);
  const earlier = EARLIER.slice(0, 19);
  const none = { restoredAt: null, purgedAt: null, reason: null };
  const rows = (workflows: number[], interviews: number[], todos: number[]) => ({
    workflows,
    interviews,
    todos,
  });
  return expect.arrayContaining([
    {
      ...none,
      organization: 1,
      resource: 'workflows',
      ids: [old.a],
      counts: { workflows: 1, interviews: 1, todos: 2 },
      deletedAt: at,
      deletedBy: 42,
      rows: rows([old.a], [old.aInterview], old.aTodos),
    },
    {
      ...none,
      organization: 2,
      resource: 'workflows',
      ids: [old.c],
      counts: { workflows: 1, interviews: 0, todos: 1 },
      deletedAt: at,
      deletedBy: 42,
      rows: rows([old.c], [], [old.cTodo]),
    },
    ...(
      [
        ['interviews', old.aOwn, earlier, 7],
        ['interviews', old.bOwn, earlier, 7],
        ['todos', old.lone, earlier, 7],
        // its workflow is gone, so it cannot be restored with it: a deletion of its own
        ['interviews', old.dangling, at, 42],
      ] as const
    ).map(([resource, id, deletedAt, deletedBy]) => ({
      ...none,
      organization: 1,
      resource,
      ids: [id],
      counts: {
        workflows: 0,
        interviews: resource === 'interviews' ? 1 : 0,
        todos: resource === 'todos' ? 1 : 0,
      },
      deletedAt,
      deletedBy,
      rows: rows([], resource === 'interviews' ? [id] : [], resource === 'todos' ? [id] : []),
    })),
  ]);
}

/** Reverts the migrations after AddDeletions, then AddDeletions itself. */
async function undoDeletions(db: DataSource): Promise<void> {
  for (;;) {
    const [last] = await db.query<Array<{ name: string }>>(
      'SELECT name FROM migrations ORDER BY timestamp DESC LIMIT 1',
    );
    await db.undoLastMigration({ transaction: 'each' });
    if (last.name === 'AddDeletions1760000000000') return;
  }
}

describe(`Migration AddDeletions1760000000000 on ${kind} (e2e)`, () => {
  describe('up, down, up on a database holding deleted rows of every case', () => {
    let database: TestDatabase;
    let db: DataSource;

    beforeAll(async () => {
      database = await createTestDatabase('deletions_migration');
      db = await database.connect();
      await db.runMigrations({ transaction: 'each' });
      await undoDeletions(db);
    });

    afterAll(async () => {
      await db?.destroy();
      await database?.drop();
    });

    it('converts every deleted workflow into one deletion holding what its cascade deleted, every other deleted row into its own, and back', async () => {
      const old = await writeOldRelease(db);
      const flags = async () =>
        Object.fromEntries(
          await Promise.all(
            ['interviews', 'todos'].map(async (table) => [
              table,
              await db.query(
                `SELECT id, is_deleted, deleted_with_workflow FROM ${table} ORDER BY id`,
              ),
            ]),
          ),
        );
      const before = await flags();

      await db.runMigrations({ transaction: 'each' });
      const first = await deletionsByContent(db);
      expect(first).toHaveLength(6);
      expect(first).toEqual(expectedDeletions(old));
      for (const table of ['recruitment_processes', 'interviews', 'todos']) {
        // active rows belong to no deletion, deleted rows to exactly one
        expect(
          await db.query(
            `SELECT COUNT(*) AS n FROM ${table} WHERE (is_deleted = 1) <> (deletion_id IS NOT NULL)`,
          ),
        ).toEqual([{ n: 0 }]);
      }

      await undoDeletions(db);
      const after = await flags();
      // the dangling child (its workflow hard-deleted) is now a row deleted on its own
      const dangling = (rows: Array<{ id: number; deleted_with_workflow: number }>) =>
        rows.map((row) =>
          Number(row.id) === old.dangling
            ? { ...row, deleted_with_workflow: 0 }
            : { ...row, deleted_with_workflow: Number(row.deleted_with_workflow) },
        );
      expect({ ...after, interviews: dangling(after.interviews) }).toEqual({
        interviews: dangling(before.interviews),
        todos: before.todos.map((row: { deleted_with_workflow: number }) => ({
          ...row,
          deleted_with_workflow: Number(row.deleted_with_workflow),
        })),
      });

      await db.runMigrations({ transaction: 'each' });
      expect(await deletionsByContent(db)).toEqual(expectedDeletions(old));
      const pending = await db.driver.createSchemaBuilder().log();
      expect(pending.upQueries).toEqual([]);
    });
  });

  describe('in place: the data of the previous release, then the new code started on it', () => {
    let database: TestDatabase;
    let t: TestApp;
    let old: Old;

    beforeAll(async () => {
      database = await createTestDatabase('deletions_upgrade');
      const db = await database.connect();
      try {
        await db.runMigrations({ transaction: 'each' });
        await undoDeletions(db);
        old = await writeOldRelease(db);
      } finally {
        await db.destroy();
      }
      // the application applies the new migration at start
      t = await startAppOn(database);
    });

    afterAll(async () => {
      await t?.close();
    });

    it('restores exactly what the old cascade deleted, and what was deleted on its own by its own deletion', async () => {
      const restored = await t.http.post(`/workflows/${old.a}/restore`).expect(200);
      expect(restored.body).toMatchObject({ id: old.a, isDeleted: false });
      expect(restored.body.restored).toEqual({ interviews: 1, todos: 2 });
      await t.http.get(`/interviews/${old.aInterview}`).expect(200);
      for (const id of old.aTodos) await t.http.get(`/todos/${id}`).expect(200);
      await t.http.get(`/interviews/${old.aOwn}`).expect(404);

      const trash = await t.http.get('/deletions').query({ resource: 'interviews' }).expect(200);
      const own = trash.body.items.find((d: { ids: number[] }) => d.ids[0] === old.aOwn);
      expect(own).toMatchObject({ resource: 'interviews', deletedBy: 7, restoredAt: null });
      const back = await t.http.post(`/deletions/${own.id}/restore`).expect(200);
      expect(back.body.restored).toEqual({ workflows: 0, interviews: 1, todos: 0 });
      await t.http.get(`/interviews/${old.aOwn}`).expect(200);

      // organization 2's converted deletion is its own
      const theirs = await t.as(2).get('/deletions').expect(200);
      expect(theirs.body.items).toEqual([
        expect.objectContaining({ resource: 'workflows', ids: [old.c] }),
      ]);
      expectErrorShape(
        (await t.http.get(`/deletions/${theirs.body.items[0].id}`).expect(404)).body,
        404,
      );
    });
  });
});
