/**
 * A client of every operation, type-checked under --strict against the types that
 * openapi-typescript (default options) generates from the live /docs-json: see
 * test/docs.e2e-spec.ts, which writes ./schema.d.ts next to a copy of this file. It is not
 * compiled with the project (tsconfig.json excludes test/contract): ./schema.d.ts exists only there.
 * No casts: if the document says something a client cannot use as written, this stops compiling.
 */
import createClient from 'openapi-fetch';
import type { paths } from './schema';

export async function everyOperation(baseUrl: string, token: string): Promise<string[]> {
  const api = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${token}` } });
  const seen: string[] = [];

  // health: its fields can be read
  const health = await api.GET('/health');
  if (health.data) seen.push(`health ${health.data.status} ${health.data.database}`);

  // creates without the fields that have defaults
  const workflow = await api.POST('/workflows', { body: { name: 'Contract' } });
  if (!workflow.data) throw new Error('POST /workflows failed');
  const workflowId: number = workflow.data.id;
  const interview = await api.POST('/interviews', {
    body: {
      title: 'Screen',
      candidateId: 1,
      recruiterId: 2,
      scheduledStart: '2025-10-02T09:30:00.000Z',
      workflowId,
    },
  });
  const todo = await api.POST('/todos', { body: { title: 'Call', ownerId: 3, workflowId } });
  if (!interview.data || !todo.data) throw new Error('a create failed');

  // partial updates: one field, or only the unlink
  await api.PATCH('/workflows/{id}', {
    params: { path: { id: workflowId } },
    body: { name: 'C2' },
  });
  await api.PATCH('/interviews/{id}', {
    params: { path: { id: interview.data.id } },
    body: { workflowId: null },
  });
  await api.PATCH('/todos/{id}', {
    params: { path: { id: todo.data.id } },
    body: { workflowId },
  });

  // reads, with the include counts and paging with nextCursor
  const one = await api.GET('/workflows/{id}', {
    params: { path: { id: workflowId }, query: { include: 'interviews,todos' } },
  });
  if (one.data) seen.push(`workflow ${one.data.id} ${one.data.status}`);
  let cursor: string | undefined;
  do {
    const page = await api.GET('/todos', { params: { query: { limit: 1, workflowId, cursor } } });
    if (!page.data) break;
    seen.push(...page.data.items.map((item) => `todo ${item.id} ${item.status}`));
    cursor = page.data.nextCursor ?? undefined;
  } while (cursor);
  await api.GET('/workflows', { params: { query: { status: 'draft' } } });
  await api.GET('/interviews', { params: { query: { workflowId } } });
  await api.GET('/interviews/{id}', { params: { path: { id: interview.data.id } } });
  await api.GET('/todos/{id}', { params: { path: { id: todo.data.id } } });

  // deletes and restore: the counts per kind
  await api.DELETE('/interviews/{id}', { params: { path: { id: interview.data.id } } });
  const deleted = await api.DELETE('/workflows/{id}', { params: { path: { id: workflowId } } });
  if (deleted.data) seen.push(`cascaded ${JSON.stringify(deleted.data.cascaded)}`);
  const restored = await api.POST('/workflows/{id}/restore', {
    params: { path: { id: workflowId } },
  });
  if (restored.data) seen.push(`restored ${JSON.stringify(restored.data.restored)}`);
  await api.DELETE('/todos/{id}', { params: { path: { id: todo.data.id } } });

  // admin
  await api.GET('/admin/orphans');
  await api.POST('/admin/orphans/repair');
  const purge = await api.POST('/admin/purge', { body: { olderThan: '30d' } });
  if (purge.data) seen.push(`purged workflows ${purge.data.workflows}`);

  // an error answer's fields
  const missing = await api.GET('/workflows/{id}', { params: { path: { id: 2147483647 } } });
  if (missing.error)
    seen.push(`error ${missing.error.statusCode} ${String(missing.error.message)}`);
  return seen;
}
