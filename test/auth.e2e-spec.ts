import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { signToken } from '../src/auth/tokens';
import { TEST_JWT_SECRET, tokenFor } from './setup/auth';
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
      '1h',
      1,
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
      { sub: 'alice', role: 'admin', org: 1 },
      { sub: '1', role: 'root', org: 1 },
      { role: 'admin', org: 1 },
    ]) {
      await as(jwt.sign(claims, { expiresIn: '1h' }))
        .get('/workflows')
        .expect(401);
    }
  });

  it('answers 401 for a token without a valid organization (org: a positive integer, number or string)', async () => {
    const { JwtService } = await import('@nestjs/jwt');
    const jwt = new JwtService({ secret: TEST_JWT_SECRET });
    for (const org of [
      undefined,
      null,
      0,
      -1,
      1.5,
      '0',
      '01',
      'acme',
      '',
      [1],
      { id: 1 },
      true,
      1e12,
    ]) {
      const res = await as(jwt.sign({ sub: '1', role: 'admin', org }, { expiresIn: '1h' }))
        .get('/workflows')
        .expect(401);
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'The token must name an organization: org, a positive integer',
      });
    }
    for (const org of [2, '2']) {
      await as(jwt.sign({ sub: '1', role: 'admin', org }, { expiresIn: '1h' }))
        .get('/workflows')
        .expect(200);
    }
  });

  describe("the security review's cases", () => {
    const hs = (payload: object, options: jwt.SignOptions = {}) =>
      jwt.sign(payload, TEST_JWT_SECRET, { algorithm: 'HS256', ...options });
    const claims = { sub: '1', role: 'admin', org: 1 };

    it('refuses a token without exp, even one with a valid signature', async () => {
      const res = await as(hs(claims)).get('/workflows').expect(401);
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'The token must carry an expiry time (exp)',
      });
    });

    it.each<[string, object]>([
      ['10 years', { exp: 3650 * 86400 }],
      ['25 hours (JWT_MAX_TTL defaults to 24 h)', { exp: 25 * 3600 }],
      ['25 hours in all, issued 23 hours ago', { iat: -23 * 3600, exp: 2 * 3600 }],
    ])('refuses a token valid for %s', async (_case, offsets) => {
      const now = Math.floor(Date.now() / 1000);
      const times = Object.fromEntries(
        Object.entries(offsets).map(([claim, offset]) => [claim, now + (offset as number)]),
      );
      const res = await as(hs({ ...claims, ...times }))
        .get('/workflows')
        .expect(401);
      expect(res.body.message).toMatch(/valid for longer than 86400 s.*\(JWT_MAX_TTL\)/);
    });

    it('accepts a token valid for 23 hours', async () => {
      await as(hs(claims, { expiresIn: '23h' }))
        .get('/workflows')
        .expect(200);
    });

    it('refuses a token with a critical header parameter it does not know (crit)', async () => {
      const token = hs(claims, {
        expiresIn: '1h',
        header: { alg: 'HS256', crit: ['exp'] },
      });
      const res = await as(token).get('/workflows').expect(401);
      expect(res.body.message).toMatch(/critical header parameters \(crit\)/);
    });

    it("answers 401 with its own words, not jsonwebtoken's (a payload that is not JSON)", async () => {
      const b64 = (text: string) => Buffer.from(text).toString('base64url');
      const unsigned = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64('{"sub":"1","role":')}`;
      const signature = createHmac('sha256', TEST_JWT_SECRET).update(unsigned).digest('base64url');
      const res = await as(`${unsigned}.${signature}`).get('/workflows').expect(401);
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'The token is malformed',
      });
      const expired = await as(tokenFor('admin', 1, '-1s'))
        .get('/workflows')
        .expect(401);
      expect(expired.body.message).toBe('The token has expired');
      const forged = hs(claims, { expiresIn: '1h' }).replace(/.{4}$/, 'AAAA');
      expect((await as(forged).get('/workflows').expect(401)).body.message).toBe(
        'The token signature is not valid',
      );
    });

    it('lets a viewer send HEAD, a read, to GET routes', async () => {
      const viewer = as(tokenFor('viewer', 5));
      await viewer.head('/workflows').expect(200);
      await viewer.head('/todos').expect(200);
      await viewer.head('/workflows/999999').expect(404);
      await as().head('/workflows').expect(401);
    });
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
          expect([method, path, operation.security]).toEqual([method, path, []]);
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
    const rs = await startTestApp('auth_rs256', {
      JWT_SECRET: '',
      JWT_PUBLIC_KEY: pem,
      JWT_ISSUER: 'https://idp.example.com/',
      JWT_AUDIENCE: 'recruiting-api',
    });
    try {
      const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const sign = (
        options: { issuer?: string; audience?: string } = {
          issuer: 'https://idp.example.com/',
          audience: 'recruiting-api',
        },
      ) =>
        new JwtService({}).sign(
          { sub: '9', role: 'editor', org: '3' },
          { algorithm: 'RS256', privateKey: key, expiresIn: '1h', ...options },
        );
      const good = sign();
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
      // the same identity provider's tokens for another application, or from another issuer
      for (const [options, message] of [
        [{ issuer: 'https://idp.example.com/', audience: 'payroll' }, /another audience \(aud\)/],
        [{ issuer: 'https://idp.example.com/' }, /another audience \(aud\)/],
        [{ issuer: 'https://evil.example.com/', audience: 'recruiting-api' }, /another issuer/],
        [{ audience: 'recruiting-api' }, /another issuer \(iss\)/],
      ] as const) {
        const res = await request(rs.app.getHttpServer())
          .get('/workflows')
          .set('authorization', `Bearer ${sign(options)}`)
          .expect(401);
        expect(res.body.message).toMatch(message);
        // the expected values are not told
        expect(res.body.message).not.toMatch(/recruiting-api|idp\.example/);
      }
    } finally {
      await rs.close();
    }
  });
});
