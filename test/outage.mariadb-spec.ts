import { parseDatabaseUrl } from '../src/database/database-url';
import { createTodo, createWorkflow, expectErrorShape } from './setup/fixtures';
import { PrivateMariaDb } from './setup/private-mariadb';
import { startAppOn, type TestApp } from './setup/test-app';
import type { TestDatabase } from './setup/test-database';

/**
 * The database goes away under a running service: a MariaDB server of this test's own is
 * stopped (cleanly, then by a crash) and started again, while the service keeps running.
 */
describe('Database outages, on a private MariaDB server (e2e)', () => {
  const server = new PrivateMariaDb();
  let t: TestApp;
  let workflowId: number;
  let todoId: number;

  /** Every route of docs/api.md, with a body where it takes one. */
  const routes = (): Array<[string, string, object?]> => [
    ['get', '/workflows'],
    ['post', '/workflows', { name: 'during outage' }],
    ['get', `/workflows/${workflowId}?include=interviews,todos`],
    ['patch', `/workflows/${workflowId}`, { name: 'renamed during outage' }],
    ['delete', `/workflows/${workflowId}`],
    ['post', `/workflows/${workflowId}/restore`],
    ['get', '/interviews'],
    ['post', '/interviews', { title: 'x', candidateId: 1, recruiterId: 2, workflowId }],
    ['get', '/interviews/1'],
    ['patch', '/interviews/1', { title: 'y' }],
    ['delete', '/interviews/1'],
    ['get', '/todos'],
    ['post', '/todos', { title: 'x', ownerId: 1, workflowId }],
    ['get', `/todos/${todoId}`],
    ['patch', `/todos/${todoId}`, { title: 'y' }],
    ['delete', `/todos/${todoId}`],
    ['get', '/admin/orphans'],
    ['post', '/admin/orphans/repair'],
    ['get', '/health'],
  ];

  async function expectEveryRouteUnavailable(): Promise<void> {
    for (const [method, path, body] of routes()) {
      // a hanging request fails here: the client gives up after 2 s
      const req = (t.http as unknown as Record<string, (p: string) => import('supertest').Test>)[
        method
      ](path);
      const res = await (body ? req.send(body) : req).timeout(2000);
      expect([method, path, res.status]).toEqual([method, path, 503]);
      expectErrorShape(res.body, 503);
    }
  }

  async function waitUntilHealthy(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      if ((await t.http.get('/health')).status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('the service did not recover');
  }

  beforeAll(async () => {
    await server.install();
    await server.start();
    const database: TestDatabase = {
      kind: 'mariadb',
      name: 'test',
      url: server.url,
      target: parseDatabaseUrl(server.url),
      connect: () => Promise.reject(new Error('not used')),
      drop: () => Promise.resolve(),
    };
    t = await startAppOn(database, { DB_POOL_SIZE: '4' });
    workflowId = (await createWorkflow(t.http)).id;
    todoId = (await createTodo(t.http, { workflowId })).id;
  }, 120_000);

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await server.destroy();
  });

  it('answers 503 in the error shape on every route while the server is shut down, and recovers without a restart', async () => {
    await server.stop('SIGTERM');
    await expectEveryRouteUnavailable();

    await server.start();
    await waitUntilHealthy();
    await t.http.get(`/workflows/${workflowId}`).expect(200);
    await t.http.get(`/todos/${todoId}`).expect(200);
    await t.http.post('/todos').send({ title: 'after', ownerId: 1, workflowId }).expect(201);
  });

  it('does the same after a crash (SIGKILL), and nothing the outage answered 503 to was written', async () => {
    const [before] = (await server.sql('SELECT COUNT(*) FROM test.todos')).split('\n');
    await server.stop('SIGKILL');
    await expectEveryRouteUnavailable();

    await server.start();
    await waitUntilHealthy();
    expect((await server.sql('SELECT COUNT(*) FROM test.todos')).split('\n')[0]).toBe(before);
    expect(
      await server.sql(`SELECT name FROM test.recruitment_processes WHERE id = ${workflowId}`),
    ).toBe('Backend engineer');
  });

  it('a cascade cut off by a crash is not half-applied: after recovery the workflow and its children are all deleted or all active', async () => {
    const children = 30_000;
    const id = (await createWorkflow(t.http, { name: 'crash' })).id;
    await server.sql(
      `INSERT INTO test.todos (title, owner_id, workflow_id) SELECT CONCAT('t', seq), 1, ${id} FROM test.seq_1_to_${children}`,
    );

    const answer = t.http.delete(`/workflows/${id}`).then((r) => r);
    // crash the server while the cascade's UPDATE runs (or right after, if it was faster)
    for (let i = 0; i < 100; i++) {
      const running = await server.sql(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE todos%'",
      );
      if (running !== '0') break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await server.stop('SIGKILL');
    const res = await answer;
    expect([200, 503]).toContain(res.status);

    await server.start();
    await waitUntilHealthy();
    const state = await server.sql(
      `SELECT w.is_deleted, (SELECT COUNT(*) FROM test.todos WHERE workflow_id = ${id} AND is_deleted = 0)
         FROM test.recruitment_processes w WHERE w.id = ${id}`,
    );
    const [workflowDeleted, activeChildren] = state.split('\t').map(Number);
    expect([
      [1, 0],
      [0, children],
    ]).toContainEqual([workflowDeleted, activeChildren]);
    // a 200 promised the delete: it must have survived the crash
    if (res.status === 200) expect(workflowDeleted).toBe(1);
    console.log(
      `crash during cascade: answer ${res.status}, workflow deleted=${workflowDeleted}, active children=${activeChildren}`,
    );
  });
});
