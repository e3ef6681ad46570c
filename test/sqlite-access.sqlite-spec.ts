import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Database } from '../src/common/persistence/database.service';
import { buildDataSourceOptions } from '../src/database/data-source-options';
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

describe('SQLite durability settings (e2e)', () => {
  const pragmas = async (db: DataSource) => ({
    journal: (await db.query('PRAGMA journal_mode'))[0].journal_mode,
    synchronous: (await db.query('PRAGMA synchronous'))[0].synchronous,
  });

  it('writes in WAL mode with synchronous=NORMAL (1) from the start that creates the file', async () => {
    // left to SQLite, the start that creates the file would run FULL (2), later ones NORMAL
    const dir = mkdtempSync(join(tmpdir(), 'sqlite-durability-'));
    const fresh = buildDataSourceOptions({ kind: 'sqlite', file: join(dir, 'new.sqlite') });
    const db = await new DataSource(fresh).initialize();
    try {
      expect(await pragmas(db)).toEqual({ journal: 'wal', synchronous: 1 });
    } finally {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps no part of the file by default, and SQLITE_MMAP_SIZE bytes of it on the writer and the reader when set', async () => {
    const mmapSize = async (t: TestApp) =>
      Number((await t.db.query('PRAGMA mmap_size'))[0].mmap_size);
    // the mappings of the database file itself (not its -wal or -shm) in this process, where the
    // application runs: one a connection that maps it
    const mappings = (t: TestApp) => {
      const file = String(t.db.options.database);
      return readFileSync('/proc/self/maps', 'utf8')
        .split('\n')
        .filter((line) => line.endsWith(` ${file}`)).length;
    };
    // rows written, moved from the WAL into the file (which is what a connection maps), then read
    // by the reader's connection and written by the writer's
    const readAndWrite = async (t: TestApp) => {
      const workflow = await createWorkflow(t.http);
      const todo = await createTodo(t.http, { workflowId: workflow.id });
      await t.db.query('PRAGMA wal_checkpoint(TRUNCATE)');
      const res = await t.http.get(`/workflows/${workflow.id}?include=todos`).expect(200);
      expect(res.body.todos).toEqual([todo]);
      await createTodo(t.http, { workflowId: workflow.id });
    };
    const plain = await startTestApp('sqlite_nommap');
    try {
      await readAndWrite(plain);
      expect({ size: await mmapSize(plain), mappings: mappings(plain) }).toEqual({
        size: 0,
        mappings: 0,
      });
    } finally {
      await plain.close();
    }
    const t = await startTestApp('sqlite_mmap', { SQLITE_MMAP_SIZE: '268435456' });
    try {
      await readAndWrite(t);
      expect(await mmapSize(t)).toBe(268_435_456);
      // the writer's map and the read-only connection's
      expect(mappings(t)).toBe(2);
    } finally {
      await t.close();
    }
  });

  it('writes with synchronous=FULL (2) when SQLITE_SYNCHRONOUS=full', async () => {
    const t = await startTestApp('sqlite_full', { SQLITE_SYNCHRONOUS: 'full' });
    try {
      expect(await pragmas(t.db)).toEqual({ journal: 'wal', synchronous: 2 });
      await createWorkflow(t.http);
    } finally {
      await t.close();
    }
  });
});
