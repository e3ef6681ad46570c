import type TestAgent from 'supertest/lib/agent';

/** A row as the API answers it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiRow = { id: number } & Record<string, any>;

/** Creating rows through the API, as a client would. */
export async function createWorkflow(http: TestAgent, body: Record<string, unknown> = {}) {
  const res = await http
    .post('/workflows')
    .send({ name: 'Backend engineer', ...body })
    .expect(201);
  return res.body as ApiRow;
}

export async function createInterview(http: TestAgent, body: Record<string, unknown> = {}) {
  const res = await http
    .post('/interviews')
    .send({ title: 'Technical interview', candidateId: 456, recruiterId: 789, ...body })
    .expect(201);
  return res.body as ApiRow;
}

export async function createTodo(http: TestAgent, body: Record<string, unknown> = {}) {
  const res = await http
    .post('/todos')
    .send({ title: 'Review resume', ownerId: 456, ...body })
    .expect(201);
  return res.body as ApiRow;
}

/** Every answer that is an error has exactly the one error shape of docs/api.md. */
export function expectErrorShape(body: unknown, statusCode: number): void {
  expect(body).toEqual({
    statusCode,
    error: expect.any(String),
    message: expect.anything(),
  });
  const { message } = body as { message: unknown };
  const messages = Array.isArray(message) ? message : [message];
  expect(messages.length).toBeGreaterThan(0);
  for (const m of messages) expect(typeof m === 'string' && m.length > 0).toBe(true);
}

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
