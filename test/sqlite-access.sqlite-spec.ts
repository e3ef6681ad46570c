import { Database } from '../src/common/persistence/database.service';
import { createTodo, createWorkflow } from './setup/fixtures';
import { startTestApp, type TestApp } from './setup/test-app';

/**
 * SQLite has one writer, so the service runs its transactions one at a time; reads never wait
 * for them (a read-only connection of their own), so no nesting of reads can deadlock.
 */
describe('SQLite access (e2e)', () => {
  let t: TestApp;
  let db: Database;

  beforeAll(async () => {
    t = await startTestApp('sqlite_access');
    db = t.app.get(Database);
  });

  afterAll(async () => {
    await t?.close();
  });

  const count = async (reader: Pick<Database, 'select'>): Promise<number> =>
    Number((await reader.select<{ n: number }>('SELECT COUNT(*) AS n FROM todos'))[0].n);

  it('answers a read made inside another read', async () => {
    const before = await count(db);
    const nested = await db
      .select('SELECT 1 AS one')
      .then(() => db.select('SELECT 2 AS two').then(() => count(db)));
    expect(nested).toBe(before);
  });

  it('answers a read made inside a transaction with the committed rows, and the transaction sees its own', async () => {
    const before = await count(db);
    const seen = await db.transaction(async (tx) => {
      await tx.execute(
        "INSERT INTO todos (title, owner_id, status, created_at, updated_at, is_deleted) VALUES ('x', 1, 'pending', '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000', 0)",
      );
      return { outside: await count(db), inside: await count(tx) };
    });
    expect(seen).toEqual({ outside: before, inside: before + 1 });
    expect(await count(db)).toBe(before + 1);
  });

  it('serves GET /workflows/:id?include=todos while a transaction is open, with what is committed', async () => {
    const workflow = await createWorkflow(t.http);
    const todo = await createTodo(t.http, { workflowId: workflow.id });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let opened!: () => void;
    const isOpen = new Promise<void>((resolve) => (opened = resolve));
    const held = db.transaction(async (tx) => {
      await tx.execute('UPDATE todos SET title = ? WHERE id = ?', ['uncommitted', todo.id]);
      opened();
      await gate;
    });
    await isOpen;
    try {
      const res = await t.http.get(`/workflows/${workflow.id}?include=todos`).expect(200);
      expect(res.body.todos).toEqual([todo]);
    } finally {
      release();
      await held;
    }
    const after = await t.http.get(`/todos/${todo.id}`).expect(200);
    expect(after.body.title).toBe('uncommitted');
  });
});
