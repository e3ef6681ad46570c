import { concurrentWriters, EVENTS_PER_ROUND, outboxReadWaiting } from './setup/concurrent-writers';
import { createWorkflow } from './setup/fixtures';
import { pollUntil } from './setup/holding-receiver';
import { startTestApp, type TestApp } from './setup/test-app';
import { WebhookReceiver } from './setup/webhook-receiver';

const WRITERS = 20;
const ROUNDS = 5;

const DISPATCHER_ENV = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_POLL_MS: '200',
  WEBHOOK_RETRY_SCHEDULE: '200ms,500ms,1s',
};

/**
 * MariaDB only (SQLite runs one transaction at a time: its ids commit in order). Event ids are
 * taken before their transaction commits, so under concurrent writers commits land out of id
 * order; the dispatcher turns events into deliveries behind a cursor (webhooks.fanned_out_to), and
 * must never move it past an event that commits later, or that event is never delivered. 20
 * writers change workflows and todos while the dispatcher delivers to a receiver on loopback; at
 * the end the webhook-ids the receiver got are compared with the final outbox table.
 */
describe('Webhook delivery under 20 concurrent writers on MariaDB (e2e)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestApp('webhooks_race', { DB_POOL_SIZE: '30', ...DISPATCHER_ENV });
    receiver = await WebhookReceiver.start();
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it('delivers every event of the final outbox table, none twice', async () => {
    const created = await t.http.post('/webhooks').send({ url: receiver.url }).expect(201);
    receiver.verifyWith(created.body.secret as string);

    await concurrentWriters(t.http, WRITERS, ROUNDS);

    const table: string[] = (await t.db.query('SELECT id FROM outbox_events ORDER BY id')).map(
      (row: { id: number | string }) => String(row.id),
    );
    expect(table).toHaveLength(WRITERS * ROUNDS * EVENTS_PER_ROUND);
    // polling: every event delivered, and no delivery of the endpoint left to send
    const undelivered = async () => {
      const [{ n }] = await t.db.query(
        `SELECT COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = ? AND state <> 'delivered'`,
        [created.body.id],
      );
      return Number(n);
    };
    await pollUntil(async () => {
      const delivered = receiver.delivered();
      return table.every((id) => delivered.has(id)) && (await undelivered()) === 0;
    }, 180_000);

    const delivered = receiver.delivered();
    const duplicated = [...delivered].filter(([, requests]) => requests.length > 1);
    console.log(
      `${WRITERS} concurrent writers: ${table.length} events, ${delivered.size} distinct webhook-ids delivered, ${receiver.requests.length} requests, ${duplicated.length} delivered more than once`,
    );
    expect(table.filter((id) => !delivered.has(id))).toEqual([]);
    expect([...delivered.keys()].filter((id) => !table.includes(id))).toEqual([]);
    expect(duplicated.map(([id]) => id)).toEqual([]);
    expect(receiver.requests.filter((request) => !request.verified)).toEqual([]);
  });

  it('does not fan out past an event whose transaction has its id but has not committed, and delivers it once it commits', async () => {
    // one run of the 20 writers may not hit the instant between an id and its commit: this does.
    // Without the settle window, so that the fan-out's locking read alone is what is tested.
    const app = await startTestApp('webhooks_inflight', {
      EVENTS_SETTLE_MS: '0',
      ...DISPATCHER_ENV,
    });
    const hooks = await WebhookReceiver.start();
    // connections of the test's own, outside the application's pool
    const own = await app.database.connect();
    const runner = own.createQueryRunner();
    try {
      const created = await app.http.post('/webhooks').send({ url: hooks.url }).expect(201);
      hooks.verifyWith(created.body.secret as string);
      const before = await createWorkflow(app.http);
      await hooks.until(() => hooks.delivered().size === 1, 60_000, 'the first event');
      const [first] = hooks.delivered().keys();

      await runner.connect();
      await runner.startTransaction();
      // a writer that took its event id and has not committed yet
      await runner.query(
        `INSERT INTO outbox_events (organization_id, type, actor_id, occurred_at, data)
         VALUES (1, 'workflow.updated', 1, '2026-01-01 00:00:00.000', ?)`,
        [JSON.stringify({ ...before, name: 'in flight' })],
      );
      const [{ inFlight }] = await runner.query('SELECT LAST_INSERT_ID() AS inFlight');
      // a later writer, committed: its id is larger, and its commit wakes the dispatcher
      await createWorkflow(app.http, { name: 'later' });
      const [{ later }] = await app.db.query('SELECT MAX(id) AS later FROM outbox_events');

      // the dispatcher either delivers the later event at once (its cursor stepped over the open
      // transaction: the bug), or its fan-out waits for the lock; then the transaction commits
      await pollUntil(
        async () => hooks.delivered().has(String(later)) || (await outboxReadWaiting(own)),
        30_000,
        10,
      );
      await runner.commitTransaction();
      await pollUntil(() => hooks.delivered().size === 3, 30_000);

      expect(new Set(hooks.delivered().keys())).toEqual(
        new Set([first, String(inFlight), String(later)]),
      );
      expect(hooks.requests.filter((request) => !request.verified)).toEqual([]);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
      await own.destroy();
      await hooks.stop();
      await app.close();
    }
  }, 120_000);
});
