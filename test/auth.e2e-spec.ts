import request from 'supertest';
import { signToken } from '../src/auth/tokens';
import { tokenFor } from './setup/auth';
import { expectErrorShape } from './setup/fixtures';
import { startTestApp, type TestApp } from './setup/test-app';

describe('Authentication and roles (e2e)', () => {
  let t: TestApp;
  const as = (token?: string) => {
    const agent = request.agent(t.app.getHttpServer());
    return token ? agent.set('authorization', `Bearer ${token}`) : agent;
  };

  beforeAll(async () => {
    t = await startTestApp('auth');
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers 401 in the error shape without a token, with a malformed one, a forged one or an expired one', async () => {
    const forged = signToken(
      {
        algorithm: 'HS256',
        secret: 'another-secret-of-at-least-32-characters',
        development: false,
      },
      1,
      'admin',
    );
    const expired = tokenFor('admin', 1, '-1s');
    for (const agent of [as(), as('not-a-jwt'), as(forged), as(expired)]) {
      const res = await agent.get('/workflows').expect(401);
      expectErrorShape(res.body, 401);
    }
    const basic = await as()
      .get('/workflows')
      .set('authorization', 'Basic YWRtaW46YWRtaW4=')
      .expect(401);
    expectErrorShape(basic.body, 401);
  });

  it('answers 401 for a token whose subject is not a user id or whose role is unknown', async () => {
    const { JwtService } = await import('@nestjs/jwt');
    const jwt = new JwtService({ secret: 'test-secret-for-the-e2e-suites-only-0123456789' });
    for (const claims of [
      { sub: 'alice', role: 'admin' },
      { sub: '1', role: 'root' },
      { role: 'admin' },
    ]) {
      await as(jwt.sign(claims)).get('/workflows').expect(401);
    }
  });

  it('lets a viewer read but not write (403), an editor write but not restore (403), an admin restore', async () => {
    const viewer = as(tokenFor('viewer', 5));
    const editor = as(tokenFor('editor', 6));
    const admin = as(tokenFor('admin', 7));
    await viewer.get('/workflows').expect(200);
    expectErrorShape((await viewer.post('/workflows').send({ name: 'no' }).expect(403)).body, 403);
    const created = await editor.post('/workflows').send({ name: 'by editor' }).expect(201);
    expect(created.body.createdBy).toBe(6);
    await viewer.get(`/workflows/${created.body.id}`).expect(200);
    await editor.delete(`/workflows/${created.body.id}`).expect(200);
    expectErrorShape(
      (await editor.post(`/workflows/${created.body.id}/restore`).expect(403)).body,
      403,
    );
    expectErrorShape((await editor.get('/admin/orphans').expect(403)).body, 403);
    await admin.post(`/workflows/${created.body.id}/restore`).expect(200);
    await admin.get('/admin/orphans').expect(200);
  });

  it('takes createdBy from the token subject and refuses it in the body', async () => {
    const res = await as(tokenFor('editor', 42))
      .post('/workflows')
      .send({ name: 'mine' })
      .expect(201);
    expect(res.body.createdBy).toBe(42);
    const [row] = await t.db.query('SELECT created_by FROM recruitment_processes WHERE id = ?', [
      res.body.id,
    ]);
    expect(row.created_by).toBe(42);
    await as(tokenFor('editor', 42))
      .post('/workflows')
      .send({ name: 'x', createdBy: 7 })
      .expect(400);
  });

  it('records who soft-deleted a workflow on it and, through the cascade, on its rows; a restore clears it', async () => {
    const editor = as(tokenFor('editor', 31));
    const workflow = (await editor.post('/workflows').send({ name: 'audited' }).expect(201)).body;
    const todo = (
      await editor
        .post('/todos')
        .send({ title: 't', ownerId: 1, workflowId: workflow.id })
        .expect(201)
    ).body;
    const own = (
      await editor
        .post('/todos')
        .send({ title: 'own', ownerId: 1, workflowId: workflow.id })
        .expect(201)
    ).body;
    const byOther = await as(tokenFor('editor', 32)).delete(`/todos/${own.id}`).expect(200);
    expect(byOther.body.deletedBy).toBe(32);

    const deleted = await as(tokenFor('editor', 33))
      .delete(`/workflows/${workflow.id}`)
      .expect(200);
    expect(deleted.body.deletedBy).toBe(33);
    const rows = await t.db.query(
      'SELECT id, deleted_by FROM todos WHERE id IN (?, ?) ORDER BY id',
      [todo.id, own.id],
    );
    expect(rows).toEqual([
      { id: todo.id, deleted_by: 33 },
      { id: own.id, deleted_by: 32 },
    ]);
    const [w] = await t.db.query('SELECT deleted_by FROM recruitment_processes WHERE id = ?', [
      workflow.id,
    ]);
    expect(w.deleted_by).toBe(33);

    const restored = await as(tokenFor('admin', 1))
      .post(`/workflows/${workflow.id}/restore`)
      .expect(200);
    expect(restored.body.deletedBy).toBeNull();
    expect((await editor.get(`/todos/${todo.id}`).expect(200)).body.deletedBy).toBeNull();
  });

  it('leaves /health, /docs and /docs-json open, and marks every other route as needing a bearer token', async () => {
    await as().get('/health').expect(200);
    await as().get('/docs').expect(200);
    const doc = (await as().get('/docs-json').expect(200)).body;
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, item] of Object.entries(
      doc.paths as Record<
        string,
        Record<string, { security?: unknown[]; responses: Record<string, unknown> }>
      >,
    )) {
      for (const [method, operation] of Object.entries(item)) {
        if (path === '/health') {
          expect([method, path, operation.security]).toEqual([method, path, undefined]);
        } else {
          expect([method, path, operation.security]).toEqual([method, path, [{ bearer: [] }]]);
          expect(operation.responses).toHaveProperty('401');
          expect(operation.responses).toHaveProperty('403');
        }
      }
    }
  });

  it('verifies RS256 tokens with JWT_PUBLIC_KEY instead of a secret', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { JwtService } = await import('@nestjs/jwt');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rs = await startTestApp('auth_rs256', { JWT_SECRET: '', JWT_PUBLIC_KEY: pem });
    try {
      const sign = (key: string) =>
        new JwtService({}).sign(
          { sub: '9', role: 'editor' },
          { algorithm: 'RS256', privateKey: key },
        );
      const good = sign(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
      const res = await request(rs.app.getHttpServer())
        .post('/workflows')
        .set('authorization', `Bearer ${good}`)
        .send({ name: 'rs' })
        .expect(201);
      expect(res.body.createdBy).toBe(9);
      // an HS256 token is refused, whatever its secret
      await request(rs.app.getHttpServer())
        .get('/workflows')
        .set('authorization', `Bearer ${tokenFor('admin')}`)
        .expect(401);
    } finally {
      await rs.close();
    }
  });
});
