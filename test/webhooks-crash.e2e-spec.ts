import type { DataSource } from 'typeorm';
import { callApp, freePort, spawnApp, waitUntil, type AppProcess } from './setup/app-process';
import { HoldingReceiver, pollUntil } from './setup/holding-receiver';
import { createTestDatabase, type TestDatabase } from './setup/test-database';

/** The dispatcher's settings: fast retries, and a lease a restarted process waits out quickly. */
const DISPATCHER_ENV = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_POLL_MS: '200',
  WEBHOOK_RETRY_SCHEDULE: '200ms,500ms,1s',
  WEBHOOK_TIMEOUT_MS: '5000',
  WEBHOOK_LEASE_MS: '10000',
};

/** Events written before the crash (their deliveries answered) and while it happens (held). */
const BEFORE = 5;
const DURING = 15;

/**
 * The service killed (SIGKILL: no shutdown hook, no lease released) while a slow receiver holds
 * its delivery open; a new process on the same database takes over the dead process's claims
 * once their lease has expired, and every event still reaches the receiver. Only deliveries in
 * flight at the kill may arrive twice (at least once), never one whose 2xx the service recorded.
 * On SQLite and on MariaDB (each e2e project).
 */
describe('Webhook delivery across a SIGKILL of the service (e2e)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let receiver: HoldingReceiver;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('webhooks_crash');
    receiver = await HoldingReceiver.start();
  });

  afterAll(async () => {
    if (app && app.child.exitCode === null && app.child.signalCode === null) await app.kill();
    await receiver?.close();
    await db?.destroy();
    await database?.drop();
  });

  it('delivers every event after a restart; duplicates only of the deliveries in flight at the kill', async () => {
    app = await spawnApp({ DATABASE_URL: database.url, ...DISPATCHER_ENV }, await freePort());
    db = await database.connect();
    const created = await callApp(app, 'POST', '/webhooks', { url: receiver.url });
    expect(created.status).toBe(201);
    const webhookId = String(created.body.id);
    const secret = String(created.body.secret);

    const delivered = async () => {
      const [{ n }] = await db.query(
        `SELECT COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = ? AND state = 'delivered'`,
        [webhookId],
      );
      return Number(n);
    };
    const write = async (n: number) => {
      const res = await callApp(app!, 'POST', '/workflows', { name: `crash ${n}` });
      expect(res.status).toBe(201);
    };
    // answered at once, and recorded as delivered by the service before the crash
    for (let n = 0; n < BEFORE; n++) await write(n);
    await waitUntil(() => receiver.counts().size >= BEFORE, 60_000);
    expect(receiver.counts().size).toBe(BEFORE);
    const answered = [...receiver.counts().keys()];
    await pollUntil(async () => (await delivered()) === BEFORE, 60_000);
    expect(await delivered()).toBe(BEFORE);

    // the receiver becomes slow: it holds every request open
    receiver.answer = () => 'hold';
    for (let n = BEFORE; n < BEFORE + DURING; n++) await write(n);
    await waitUntil(() => receiver.holding > 0, 60_000);
    expect(receiver.holding).toBeGreaterThan(0);
    await app.kill('SIGKILL');
    // the dead process sends nothing more: what the receiver got while holding was in flight
    const inFlight = receiver.received.slice(BEFORE).map((delivery) => delivery.id);

    receiver.releaseAll();
    app = await spawnApp({ DATABASE_URL: database.url, ...DISPATCHER_ENV }, await freePort());
    const outbox: string[] = (await db.query('SELECT id FROM outbox_events ORDER BY id')).map(
      (row: { id: number | string }) => String(row.id),
    );
    expect(outbox).toHaveLength(BEFORE + DURING);
    await pollUntil(
      async () =>
        outbox.every((id) => receiver.counts().has(id)) && (await delivered()) === outbox.length,
      120_000,
    );

    const counts = receiver.counts();
    const duplicates = receiver.duplicates();
    console.log(
      `SIGKILL mid-delivery (${database.kind}): ${outbox.length} events, ${counts.size} distinct ids received, ${receiver.received.length} requests, ${inFlight.length} in flight at the kill, ${duplicates} duplicates (${receiver.duplicatedIds().join(', ') || 'none'})`,
    );
    expect(outbox.filter((id) => !counts.has(id))).toEqual([]);
    expect(receiver.badSignatures(secret)).toEqual([]);
    // what the service had recorded as delivered is never sent again
    expect(answered.filter((id) => counts.get(id) !== 1)).toEqual([]);
    // a duplicate is always a delivery that was in flight at the kill, redelivered once
    expect(receiver.duplicatedIds().filter((id) => !inFlight.includes(id))).toEqual([]);
    expect(duplicates).toBeLessThanOrEqual(inFlight.length);
  });
});
