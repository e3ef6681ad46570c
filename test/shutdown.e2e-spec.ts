import { freePort, spawnApp, type AppProcess } from './setup/app-process';
import { adminHeaders } from './setup/auth';
import { createTestDatabase, type TestDatabase } from './setup/test-database';

const CHILDREN = 20_000;

describe('Graceful shutdown on SIGTERM (e2e)', () => {
  let database: TestDatabase;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('shutdown');
  });

  afterAll(async () => {
    if (app && app.child.exitCode === null) await app.kill('SIGKILL');
    await database?.drop();
  });

  it('finishes the cascade in flight (committed whole), refuses new connections, closes the pool and exits 0', async () => {
    app = await spawnApp({ DATABASE_URL: database.url }, await freePort());
    const created = await fetch(`${app.url}/workflows`, {
      method: 'POST',
      headers: adminHeaders({ 'content-type': 'application/json' }),
      body: JSON.stringify({ name: 'big' }),
    });
    const { id } = (await created.json()) as { id: number };
    const db = await database.connect();
    try {
      // many children, so that the cascade is still running when the signal arrives
      const values = Array.from({ length: 1000 }, () => '(?, ?, ?)').join(', ');
      for (let i = 0; i < CHILDREN / 1000; i++) {
        await db.query(
          `INSERT INTO todos (title, owner_id, workflow_id) VALUES ${values}`,
          Array.from({ length: 1000 }, (_, j) => [`t${i}.${j}`, 1, id]).flat(),
        );
      }

      const inFlight = fetch(`${app.url}/workflows/${id}`, {
        method: 'DELETE',
        headers: adminHeaders(),
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      app.child.kill('SIGTERM');

      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { cascaded: { todos: number } }).cascaded.todos).toBe(
        CHILDREN,
      );
      const code = await app.exited;
      if (code !== 0) console.log(app.output());
      expect(code).toBe(0);
      expect(app.output()).toMatch(/SIGTERM: finishing in-flight requests/);
      await expect(fetch(`${app.url}/health`)).rejects.toThrow();

      const [workflow] = await db.query(
        'SELECT is_deleted FROM recruitment_processes WHERE id = ?',
        [id],
      );
      const [active] = await db.query(
        'SELECT COUNT(*) AS n FROM todos WHERE workflow_id = ? AND is_deleted = 0',
        [id],
      );
      expect({
        workflowDeleted: Number(workflow.is_deleted),
        activeChildren: Number(active.n),
      }).toEqual({
        workflowDeleted: 1,
        activeChildren: 0,
      });
    } finally {
      await db.destroy();
    }
  });
});
