import { expectErrorShape } from './setup/fixtures';
import { startTestApp, type TestApp } from './setup/test-app';

describe('GET /health (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('health');
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers 200 with the database up', async () => {
    const res = await t.http.get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', database: 'up' });
  });

  it('answers 503 with what to run while the schema is behind the code (after migration:revert), 200 once migrated', async () => {
    await t.db.undoLastMigration({ transaction: 'each' });
    try {
      const behind = await t.http.get('/health').expect(503);
      expectErrorShape(behind.body, 503);
      expect(behind.body.message).toBe(
        'The database schema is behind this version of the service: 1 migration pending; run npm run migration:run.',
      );
      expect(behind.headers['retry-after']).toBeDefined();
    } finally {
      await t.db.runMigrations({ transaction: 'each' });
    }
    expect((await t.http.get('/health').expect(200)).body).toEqual({
      status: 'ok',
      database: 'up',
    });
  });

  it('answers 503 in the error shape, with Retry-After, once the database connection is gone; other routes too', async () => {
    await t.db.destroy();
    const health = await t.http.get('/health').expect(503);
    expectErrorShape(health.body, 503);
    // the same fixed words whatever the driver said (it may name the host, port or user)
    expect(health.body.message).toBe('The database is unavailable; retry the request later.');
    expect(health.headers['retry-after']).toBeDefined();

    const read = await t.http.get('/workflows/1').expect(503);
    expectErrorShape(read.body, 503);
    const write = await t.http.post('/workflows').send({ name: 'during outage' }).expect(503);
    expectErrorShape(write.body, 503);
  });
});
