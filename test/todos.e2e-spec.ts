import { createTodo } from './setup/fixtures';
import { describeLinkedResourceRoutes } from './setup/linked-resource-suite';
import { startTestApp, type TestApp } from './setup/test-app';

describe('Todos (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('todos');
  });

  afterAll(async () => {
    await t?.close();
  });

  describeLinkedResourceRoutes(
    {
      path: '/todos',
      table: 'todos',
      name: 'Todo',
      minimal: { title: 'Review resume', ownerId: 456 },
      full: {
        title: 'Review resume',
        description: 'Check the open-source work',
        ownerId: 456,
        status: 'in_progress',
        dueDate: '2025-10-03T17:00:00.000Z',
      },
      defaults: {
        workflowId: null,
        title: 'Review resume',
        description: null,
        ownerId: 456,
        status: 'pending',
        dueDate: null,
      },
      statuses: ['pending', 'in_progress', 'completed', 'cancelled'],
      invalid: [
        [{ title: undefined }, 'title'],
        [{ title: '' }, 'title'],
        [{ title: null }, 'title'],
        [{ ownerId: undefined }, 'ownerId'],
        [{ ownerId: '456' }, 'ownerId'],
        [{ ownerId: 0 }, 'ownerId'],
        [{ ownerId: 99_999_999_999 }, 'ownerId'],
        [{ status: 'open' }, 'status'],
        [{ dueDate: 'tomorrow' }, 'dueDate'],
        [{ dueDate: '2025-10-03' }, 'dueDate'],
        [{ workflowId: 1.5 }, 'workflowId'],
        [{ description: 42 }, 'description'],
        [{ createdAt: '2025-01-01T00:00:00Z' }, 'createdAt'],
      ],
    },
    () => t,
  );

  describe('GET /todos?ownerId=', () => {
    it('lists only the active todos of that owner', async () => {
      const mine = [
        await createTodo(t.http, { ownerId: 31337 }),
        await createTodo(t.http, { ownerId: 31337 }),
      ];
      await createTodo(t.http, { ownerId: 31338 });
      const gone = await createTodo(t.http, { ownerId: 31337 });
      await t.http.delete(`/todos/${gone.id}`).expect(200);
      const res = await t.http.get('/todos').query({ ownerId: 31337 }).expect(200);
      expect(res.body).toEqual({ items: mine, nextCursor: null });
    });
  });
});
