import request from 'supertest';
import { tokenFor } from './setup/auth';
import { startTestApp, type TestApp } from './setup/test-app';

/** What the wire does where the OpenAPI document promises it (docs/api.md, "Errors"). */
describe('Content types, bodies, challenges and the message rule (e2e)', () => {
  let t: TestApp;
  const editor = () => `Bearer ${tokenFor('editor')}`;

  beforeAll(async () => {
    t = await startTestApp('wire');
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers 415 to JSON sent as text/plain (what a bare fetch() sends), and creates nothing', async () => {
    const res = await request(t.app.getHttpServer())
      .post('/workflows')
      .set('authorization', editor())
      .set('content-type', 'text/plain;charset=UTF-8')
      .send('{"name":"Sent as text"}')
      .expect(415);
    expect(res.body).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'Unsupported Media Type',
    });
    const rows = await t.db.query(`SELECT COUNT(*) AS n FROM recruitment_processes`);
    expect(Number(rows[0].n)).toBe(0);
  });

  it('answers 401 with WWW-Authenticate: Bearer', async () => {
    const anonymous = request(t.app.getHttpServer());
    const res = await anonymous.get('/workflows').expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    const forged = await request(t.app.getHttpServer())
      .get('/workflows')
      .set('authorization', 'Bearer not-a-jwt')
      .expect(401);
    expect(forged.headers['www-authenticate']).toBe('Bearer');
  });

  it('answers 400 to a PATCH or POST with no body at all, and changes nothing', async () => {
    const created = await t.http
      .post('/workflows')
      .set('authorization', editor())
      .send({ name: 'Unchanged' })
      .expect(201);
    const patch = await t.http
      .patch(`/workflows/${created.body.id}`)
      .set('authorization', editor())
      .expect(400);
    expect(patch.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['A JSON body is required (Content-Type: application/json)'],
    });
    const empty = await t.http
      .patch(`/workflows/${created.body.id}`)
      .set('authorization', editor())
      .set('content-type', 'application/json')
      .expect(400);
    expect(empty.body.message).toEqual([
      'A JSON body is required (Content-Type: application/json)',
    ]);
    await t.http.post('/todos').set('authorization', editor()).expect(400);
    const after = await t.http
      .get(`/workflows/${created.body.id}`)
      .set('authorization', editor())
      .expect(200);
    expect(after.body.updatedAt).toBe(created.body.updatedAt);
    expect(after.body.name).toBe('Unchanged');
  });

  it('accepts a DELETE that says Content-Type: application/json and sends no body', async () => {
    const created = await t.http
      .post('/todos')
      .set('authorization', editor())
      .send({ title: 'Delete me', ownerId: 3 })
      .expect(201);
    const res = await t.http
      .delete(`/todos/${created.body.id}`)
      .set('authorization', editor())
      .set('content-type', 'application/json')
      .expect(200);
    expect(res.body).toMatchObject({ id: created.body.id, isDeleted: true });
  });

  it('lists the problems of every 400 as an array of strings, and gives every other status one string', async () => {
    const badId = await t.http.get('/workflows/abc').set('authorization', editor()).expect(400);
    const malformed = await t.http
      .post('/workflows')
      .set('authorization', editor())
      .set('content-type', 'application/json')
      .send('{"name":')
      .expect(400);
    const invalid = await t.http
      .post('/workflows')
      .set('authorization', editor())
      .send({ name: '' })
      .expect(400);
    const purge = await t.http
      .post('/admin/purge')
      .set('authorization', `Bearer ${tokenFor('admin')}`)
      .send({ olderThan: 'soon' })
      .expect(400);
    for (const res of [badId, malformed, invalid, purge]) {
      expect(res.body.message).toEqual(expect.arrayContaining([expect.any(String)]));
      expect(res.body.message.length).toBeGreaterThan(0);
    }
    const missing = await t.http.get('/workflows/999').set('authorization', editor()).expect(404);
    expect(missing.body.message).toBe('Workflow 999 not found');
  });

  it('answers 400 to a query parameter a route does not take, on every route, after the token check', async () => {
    const todo = await t.http
      .post('/todos')
      .set('authorization', editor())
      .send({ title: 'Keep me', ownerId: 3 })
      .expect(201);
    const cases: Array<[string, string]> = [
      ['get', `/todos/${todo.body.id}?foo=1`],
      ['delete', `/todos/${todo.body.id}?force=true`],
      ['patch', `/todos/${todo.body.id}?x=`],
      ['get', '/admin/orphans?color=red'],
      ['get', '/health?verbose=1'],
    ];
    for (const [method, url] of cases) {
      const req = request(t.app.getHttpServer())
        [method as 'get'](url)
        .set('authorization', `Bearer ${tokenFor('admin')}`);
      const res = await (method === 'patch' ? req.send({ title: 'Changed' }) : req);
      expect([method, url, res.status, res.body.message]).toEqual([
        method,
        url,
        400,
        // a route with a query DTO (DELETE's ?reason=) words it as its validation does
        [expect.stringMatching(/^(query parameter|property) \w+ should not exist$/)],
      ]);
    }
    // a list route's DTO already refuses its unknown parameters, with the pipe's message
    const list = await t.http.get('/todos?foo=1').set('authorization', editor()).expect(400);
    expect(list.body.message).toEqual(['property foo should not exist']);
    // nothing changed, and a caller without a token learns no more than 401
    const after = await t.http.get(`/todos/${todo.body.id}`).set('authorization', editor());
    expect(after.body).toMatchObject({ title: 'Keep me', isDeleted: false });
    await request(t.app.getHttpServer()).get(`/todos/${todo.body.id}?foo=1`).expect(401);
  });

  it('answers what the document declares for every route: 413 to a body too large, 414 to a path parameter too long', async () => {
    const big = await request(t.app.getHttpServer())
      .post('/workflows/1/restore')
      .set('authorization', `Bearer ${tokenFor('admin')}`)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ padding: 'x'.repeat(200 * 1024) }))
      .expect(413);
    expect(big.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Request body is too large',
    });
    const long = await t.http
      .get(`/todos/${'1'.repeat(101)}`)
      .set('authorization', editor())
      .expect(414);
    expect(long.body).toEqual({
      statusCode: 414,
      error: 'URI Too Long',
      message: 'A path parameter is longer than 100 characters',
    });
  });
});
