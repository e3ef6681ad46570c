import { HoldingReceiver, pollUntil } from './setup/holding-receiver';
import { startTestApp, type TestApp } from './setup/test-app';
import { WebhookReceiver } from './setup/webhook-receiver';

/** More than a dispatcher attempts at once: a slow endpoint's backlog alone could fill them. */
const EVENTS = 80;

/**
 * One endpoint that never answers (a hung server: every attempt waits for the whole
 * WEBHOOK_TIMEOUT_MS, here a minute) must not hold up the other endpoints' deliveries in the same
 * process, whichever organization they belong to: the healthy endpoint gets every event, and the
 * service records them as delivered, while the slow one's attempts are still open.
 */
describe('A slow webhook endpoint and a healthy one in the same process (e2e)', () => {
  let t: TestApp;
  let slow: HoldingReceiver;
  let fast: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestApp('webhooks_slow', {
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_POLL_MS: '200',
      WEBHOOK_TIMEOUT_MS: '60000',
      WEBHOOK_LEASE_MS: '120000',
    });
    slow = await HoldingReceiver.start();
    slow.answer = () => 'hold';
    fast = await WebhookReceiver.start();
  });

  afterAll(async () => {
    // answered, so that the application's shutdown does not wait for the attempts' timeout
    slow?.releaseAll();
    await t?.close();
    await slow?.close();
    await fast?.stop();
  });

  it('delivers every event to the healthy endpoint while the slow one holds its attempts open', async () => {
    await t.http.post('/webhooks').send({ url: slow.url }).expect(201);
    const created = await t.http.post('/webhooks').send({ url: fast.url }).expect(201);
    fast.verifyWith(created.body.secret as string);
    for (let n = 0; n < EVENTS; n++) {
      await t.http
        .post('/workflows')
        .send({ name: `w${n}` })
        .expect(201);
    }

    const recorded = async () => {
      const [{ n }] = await t.db.query(
        `SELECT COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = ? AND state = 'delivered'`,
        [created.body.id],
      );
      return Number(n);
    };
    // well within the slow endpoint's timeout: its first attempts are still open meanwhile
    await pollUntil(
      async () => fast.delivered().size === EVENTS && (await recorded()) === EVENTS,
      45_000,
    );
    console.log(
      `slow endpoint: ${slow.holding} attempts open, ${slow.received.length} received; healthy endpoint: ${fast.delivered().size} of ${EVENTS} delivered, ${await recorded()} recorded`,
    );
    expect(fast.delivered().size).toBe(EVENTS);
    expect(await recorded()).toBe(EVENTS);
    expect(slow.holding).toBeGreaterThan(0);
    expect(fast.requests.filter((request) => !request.verified)).toEqual([]);
  }, 120_000);
});
