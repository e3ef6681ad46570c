import type { DataSource } from 'typeorm';
import { callApp, waitUntil, type AppProcess } from './setup/app-process';
import { startGaleraReplicas, type GaleraReplicas } from './setup/galera-replicas';
import { HoldingReceiver, ownsConnection, pollUntil } from './setup/holding-receiver';
import { WebhookReceiver } from './setup/webhook-receiver';

/** Writers per replica, each writing ROUNDS times a workflow, a todo and the workflow's delete. */
const WRITERS = 4;
const ROUNDS = 3;

/**
 * A timeout well above what a loopback answer takes on a loaded machine (a timed-out attempt is
 * retried: a duplicate that is no crash's), and the lease the configuration requires (twice it).
 */
const DISPATCHER_ENV = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_POLL_MS: '200',
  WEBHOOK_RETRY_SCHEDULE: '200ms,500ms,1s',
  WEBHOOK_TIMEOUT_MS: '10000',
  WEBHOOK_LEASE_MS: '20000',
};

/** A read on node 1 that first waits for every writeset the cluster committed (wsrep_sync_wait). */
async function causalRead<R>(db: DataSource, sql: string, params: unknown[] = []): Promise<R[]> {
  const runner = db.createQueryRunner();
  try {
    await runner.query('SET SESSION wsrep_sync_wait = 1');
    return (await runner.query(sql, params)) as R[];
  } finally {
    await runner.query('SET SESSION wsrep_sync_wait = 0');
    await runner.release();
  }
}

/**
 * Webhook delivery by three replicas, one per node of the shared Galera cluster: each replica's
 * dispatcher fans out and claims deliveries with conditional UPDATEs (row locks and GET_LOCK are
 * node-local; certification decides between nodes). Writers on all three nodes, one receiver:
 * every event of the outbox arrives, and outside a crash none twice. Then a replica is SIGKILLed
 * while the receiver holds its delivery open: the others take its claims over once the lease has
 * expired, and the only duplicates are what it had in flight. The counts are printed.
 */
describe('Webhooks with three replicas on a 3-node Galera cluster (e2e)', () => {
  let replicas: GaleraReplicas;
  let database: string;
  let apps: AppProcess[];
  let admin: DataSource;
  const receivers: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    replicas = await startGaleraReplicas('test_galera_webhooks', 10, DISPATCHER_ENV);
    ({ database, apps, admin } = replicas);
  }, 180_000);

  afterAll(async () => {
    await replicas?.stop();
    await Promise.all(receivers.map((receiver) => receiver.stop()));
  });

  /** Subscribes `url` to every type of `organizationId`'s events, through replica 1. */
  async function subscribe(url: string, organizationId: number) {
    const created = await callApp(apps[0], 'POST', '/webhooks', { url }, organizationId);
    expect(created.status).toBe(201);
    return { webhookId: String(created.body.id), secret: String(created.body.secret) };
  }

  /** A writer on `app`: ROUNDS times a workflow, a todo in it and its delete (4 events). */
  async function writer(app: AppProcess, name: string, organizationId: number): Promise<void> {
    for (let round = 0; round < ROUNDS; round++) {
      const workflow = await callApp(
        app,
        'POST',
        '/workflows',
        { name: `${name}.${round}` },
        organizationId,
      );
      expect(workflow.status).toBe(201);
      const todo = await callApp(
        app,
        'POST',
        '/todos',
        { title: `${name}.${round}`, ownerId: 1, workflowId: workflow.body.id },
        organizationId,
      );
      expect(todo.status).toBe(201);
      const deleted = await callApp(
        app,
        'DELETE',
        `/workflows/${String(workflow.body.id)}`,
        undefined,
        organizationId,
      );
      expect(deleted.status).toBe(200);
    }
  }

  /** The ids of the organization's events in the outbox, as every node has them. */
  async function outboxIds(organizationId: number): Promise<string[]> {
    const rows = await causalRead<{ id: number | string }>(
      admin,
      `SELECT id FROM \`${database}\`.outbox_events WHERE organization_id = ? ORDER BY id`,
      [organizationId],
    );
    return rows.map((row) => String(row.id));
  }

  /** The endpoint's deliveries that are not delivered yet (pending, leased or failed). */
  async function undelivered(webhookId: string): Promise<number> {
    const [{ n }] = await causalRead<{ n: number | string }>(
      admin,
      `SELECT COUNT(*) AS n FROM \`${database}\`.webhook_deliveries
        WHERE webhook_id = ? AND state <> 'delivered'`,
      [webhookId],
    );
    return Number(n);
  }

  /**
   * Waits (polling, up to 3 minutes) until every event of the outbox has reached the receiver
   * and the endpoint has no delivery left to send: nothing can arrive after that.
   */
  async function waitForAll(received: () => Set<string>, webhookId: string, ids: string[]) {
    await pollUntil(async () => {
      const got = received();
      return ids.every((id) => got.has(id)) && (await undelivered(webhookId)) === 0;
    }, 180_000);
  }

  it('delivers every event of writers on all three nodes to one receiver, none twice', async () => {
    const receiver = await WebhookReceiver.start();
    receivers.push(receiver);
    const { webhookId, secret } = await subscribe(receiver.url, 1);
    receiver.verifyWith(secret);
    await Promise.all(
      apps.flatMap((app, node) =>
        Array.from({ length: WRITERS }, (_, n) => writer(app, `g${node}.${n}`, 1)),
      ),
    );
    const ids = await outboxIds(1);
    // per writer and round: the workflow, the todo, the deletion and the workflow's delete
    expect(ids).toHaveLength(3 * WRITERS * ROUNDS * 4);
    await waitForAll(() => new Set(receiver.delivered().keys()), webhookId, ids);

    const delivered = receiver.delivered();
    const duplicates = receiver.requests.length - delivered.size;
    console.log(
      `Galera, three replicas: ${ids.length} events, ${delivered.size} distinct webhook-ids delivered, ${receiver.requests.length} requests, ${duplicates} duplicates`,
    );
    expect(ids.filter((id) => !delivered.has(id))).toEqual([]);
    expect([...delivered.keys()].filter((id) => !ids.includes(id))).toEqual([]);
    expect(await undelivered(webhookId)).toBe(0);
    expect(duplicates).toBe(0);
    expect(receiver.requests.filter((request) => !request.verified)).toEqual([]);
  });

  it('delivers every event when a replica is SIGKILLed mid-delivery; duplicates only of what it had in flight', async () => {
    const [, victim] = apps;
    const live = new Map([
      [apps[0].child.pid!, 'replica 1'],
      [apps[2].child.pid!, 'replica 3'],
    ]);
    const receiver = await HoldingReceiver.start();
    receivers.push({ stop: () => receiver.close() });
    const { webhookId, secret } = await subscribe(receiver.url, 2);
    // a request of replica 1 or 3 is named; any other is the victim's: sent while it ran (its
    // socket is its own), or read from the connection's buffer after its death (no owner left)
    receiver.identify = (port) =>
      [...live].find(([pid]) => ownsConnection(pid, port))?.[1] ?? 'replica 2';
    // the victim's requests stay open until it dies; the others' are answered at once
    receiver.answer = (delivery) => (delivery.sender === 'replica 2' ? 'hold' : 'ok');

    const writers = apps.flatMap((app, node) =>
      Array.from({ length: WRITERS }, (_, n) =>
        // the victim's writers stop at the kill (their request in flight may or may not commit)
        writer(app, `k${node}.${n}`, 2).catch((err: unknown) => {
          if (app !== victim) throw err;
        }),
      ),
    );
    await waitUntil(() => receiver.heldDeliveries().some((d) => d.sender === 'replica 2'), 120_000);
    expect(receiver.heldDeliveries().filter((d) => d.sender === 'replica 2')).not.toEqual([]);
    await victim.kill('SIGKILL');
    receiver.releaseAll();
    await Promise.all(writers);

    const ids = await outboxIds(2);
    await waitForAll(() => new Set(receiver.counts().keys()), webhookId, ids);
    // the victim's requests (some read from the socket buffers after its death): none answered
    // while it lived, all in flight when it died
    const inFlight = receiver.received.filter((d) => d.sender === 'replica 2').map((d) => d.id);
    const counts = receiver.counts();
    console.log(
      `Galera, replica 2 SIGKILLed mid-delivery: ${ids.length} events, ${counts.size} distinct ids received, ${receiver.received.length} requests, ${inFlight.length} in flight in the killed replica, ${receiver.duplicates()} duplicates (${receiver.duplicatedIds().join(', ') || 'none'}); by sender: ${JSON.stringify(tally(receiver.received.map((d) => d.sender ?? 'unknown')))}`,
    );
    expect(ids.filter((id) => !counts.has(id))).toEqual([]);
    expect(await undelivered(webhookId)).toBe(0);
    expect(receiver.duplicatedIds().filter((id) => !inFlight.includes(id))).toEqual([]);
    expect(receiver.duplicates()).toBeLessThanOrEqual(inFlight.length);
    expect(receiver.badSignatures(secret)).toEqual([]);
  });
});

function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
