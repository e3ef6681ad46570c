import type TestAgent from 'supertest/lib/agent';
import { startAppOn, type TestApp } from './setup/test-app';
import { createTestDatabase } from './setup/test-database';
import { WebhookReceiver } from './setup/webhook-receiver';

const ENV = {
  EVENTS_SETTLE_MS: '0',
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_RETRY_SCHEDULE: '200ms,500ms,1s',
  WEBHOOK_TIMEOUT_MS: '3000',
  WEBHOOK_POLL_MS: '100',
};

/**
 * Two replicas on one MariaDB database, each with its dispatcher: both wake on their own commits
 * and poll every 100 ms, so they race to fan out the same endpoint and to claim the same
 * deliveries. The conditional UPDATEs give each piece of work to one of them: every event
 * arrives once. (Three replicas on the Galera cluster: the resilience suites.)
 */
describe('Webhooks: two replicas on one database (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    const database = await createTestDatabase('webhooks_replicas');
    a = await startAppOn(database, ENV);
    b = await startAppOn(database, ENV);
    receiver = await WebhookReceiver.start();
  }, 120_000);

  afterAll(async () => {
    // b first: a's close() drops the database
    await b?.app.close();
    await a?.close();
    await receiver?.stop();
  });

  it('delivers each event of writes through both replicas exactly once', async () => {
    const created = await a.http.post('/webhooks').send({ url: receiver.url }).expect(201);
    receiver.verifyWith(created.body.secret);
    // b learns of the endpoint from its next poll
    await new Promise((resolve) => setTimeout(resolve, 300));
    const write = (http: TestAgent, i: number) =>
      http
        .post('/todos')
        .send({ title: `todo ${i}`, ownerId: 1 })
        .expect(201);
    for (let i = 0; i < 200; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) => write(j % 2 === 0 ? a.http : b.http, i + j)),
      );
    }
    const events: string[] = [];
    for (let after = '0'; ;) {
      const res = await a.http.get('/events').query({ after, limit: 100 }).expect(200);
      if (res.body.items.length === 0) break;
      events.push(...res.body.items.map((e: { id: string }) => e.id));
      after = res.body.nextAfter;
    }
    expect(events).toHaveLength(200);
    await receiver.until(() => receiver.delivered().size === events.length, 30_000);
    // a little longer: a second copy of any event would arrive now
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect([...receiver.delivered().keys()].sort()).toEqual([...events].sort());
    expect(receiver.requests.filter((q) => !q.verified)).toEqual([]);
    expect(receiver.duplicates()).toBe(0);
    expect(receiver.requests).toHaveLength(events.length);
    const rows: Array<{ state: string; n: number }> = await a.db.query(
      'SELECT state, COUNT(*) AS n FROM webhook_deliveries GROUP BY state',
    );
    expect(rows.map((r) => [r.state, Number(r.n)])).toEqual([['delivered', 200]]);
  });
});
