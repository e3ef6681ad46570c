import type TestAgent from 'supertest/lib/agent';
import {
  createInterview,
  createTodo,
  createWorkflow,
  expectErrorShape,
  ISO_UTC,
} from './setup/fixtures';
import { rejectUpdatesOf } from './setup/reject-updates';
import { startTestApp, type TestApp } from './setup/test-app';
import { WebhookReceiver } from './setup/webhook-receiver';

/** A delivery as GET /webhooks/:id/deliveries answers it. */
type Delivery = {
  id: number;
  state: string;
  attempts: Array<{ statusCode: number | null; latencyMs: number; error: string | null }>;
} & Record<string, unknown>;

interface FeedEvent {
  id: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

/**
 * Webhooks (issue 12): endpoints per organization, deliveries signed per Standard Webhooks to a
 * real HTTP receiver on loopback (test/setup/webhook-receiver.ts), verified with the
 * standardwebhooks package; retries, failing, disabling. Each test acts in an organization of
 * its own, so that its endpoints receive only its own events. Short retry waits and timeouts
 * (the defaults are 5s..12h and 10 s; 3 s here: an attempt must not time out merely because
 * the machine is busy, or its retry would be a duplicate); EVENTS_SETTLE_MS=0 so the feed serves writes at once.
 */
describe('Webhooks (e2e)', () => {
  let t: TestApp;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    t = await startTestApp('webhooks', {
      EVENTS_SETTLE_MS: '0',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,300ms',
      WEBHOOK_TIMEOUT_MS: '3000',
      WEBHOOK_POLL_MS: '200',
      WEBHOOK_DISABLE_AFTER: '2s',
    });
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  async function receiver(): Promise<WebhookReceiver> {
    const r = await WebhookReceiver.start();
    receivers.push(r);
    return r;
  }

  /** An endpoint of the organization `http` acts in, pointing at `r`, which verifies with its secret. */
  async function subscribe(
    http: TestAgent,
    r: WebhookReceiver,
    body: Record<string, unknown> = {},
  ): Promise<{ id: number; secret: string }> {
    const res = await http
      .post('/webhooks')
      .send({ url: r.url, ...body })
      .expect(201);
    r.verifyWith(res.body.secret);
    return res.body;
  }

  /** Every event of the organization after `after`. */
  async function eventsAfter(http: TestAgent, after = '0'): Promise<FeedEvent[]> {
    const all: FeedEvent[] = [];
    for (;;) {
      const res = await http.get('/events').query({ after, limit: 100 }).expect(200);
      all.push(...res.body.items);
      if (res.body.items.length === 0) return all;
      after = res.body.nextAfter;
    }
  }

  async function deliveriesOf(http: TestAgent, webhookId: number) {
    const res = await http
      .get(`/webhooks/${webhookId}/deliveries`)
      .query({ limit: 100 })
      .expect(200);
    return res.body.items as Delivery[];
  }

  /** Waits until `check` passes (polling the API), or fails with its last error. */
  async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await check();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  describe('the endpoints', () => {
    it('creates an endpoint, shows its secret only in the answer to POST, lists, changes and deletes it', async () => {
      const http = t.as(11);
      const r = await receiver();
      const created = await http
        .post('/webhooks')
        .send({ url: r.url, types: ['workflow.deleted'], description: 'search index' })
        .expect(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        url: r.url,
        types: ['workflow.deleted'],
        description: 'search index',
        active: true,
        disabledAt: null,
        disabledReason: null,
        failingSince: null,
        createdAt: expect.stringMatching(ISO_UTC),
        updatedAt: expect.stringMatching(ISO_UTC),
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      });
      const { id, secret } = created.body;
      const shown = { ...created.body };
      delete shown.secret;

      const got = await http.get(`/webhooks/${id}`).expect(200);
      expect(got.body).toEqual(shown);
      expect(JSON.stringify(got.body)).not.toContain(secret);
      const list = await http.get('/webhooks').expect(200);
      expect(list.body).toEqual({ items: [shown], nextCursor: null });

      const patched = await http
        .patch(`/webhooks/${id}`)
        .send({ types: null, description: null, active: false })
        .expect(200);
      expect(patched.body).toMatchObject({ id, types: null, description: null, active: false });
      expect(JSON.stringify(patched.body)).not.toContain(secret);

      expect((await http.delete(`/webhooks/${id}`).expect(200)).body).toEqual(patched.body);
      await http.get(`/webhooks/${id}`).expect(404);
      await http.delete(`/webhooks/${id}`).expect(404);
    });

    it('pages the list with limit and cursor', async () => {
      const http = t.as(12);
      const r = await receiver();
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) ids.push((await subscribe(http, r)).id);
      const first = await http.get('/webhooks').query({ limit: 2 }).expect(200);
      expect(first.body.items.map((w: { id: number }) => w.id)).toEqual(ids.slice(0, 2));
      const second = await http
        .get('/webhooks')
        .query({ limit: 2, cursor: first.body.nextCursor })
        .expect(200);
      expect(second.body).toEqual({
        items: [expect.objectContaining({ id: ids[2] })],
        nextCursor: null,
      });
      for (const id of ids) await http.delete(`/webhooks/${id}`).expect(200);
    });

    it.each([
      ['a URL that is not one', { url: 'not a url' }, /absolute http or https URL/],
      [
        'a scheme other than http(s)',
        { url: 'ftp://example.com/hook' },
        /must use http or https, not ftp/,
      ],
      ['a file URL', { url: 'file:///etc/passwd' }, /must use http or https, not file/],
      ['credentials in the URL', { url: 'http://user:pw@127.0.0.1/' }, /credentials/],
      ['a host that does not resolve', { url: 'http://nowhere.invalid/hook' }, /does not resolve/],
      [
        'an unknown event type',
        { url: 'http://127.0.0.1/', types: ['workflow.exploded'] },
        /unknown event type workflow\.exploded; types must be among: .*workflow\.deleted/,
      ],
      [
        'a malformed event type',
        { url: 'http://127.0.0.1/', types: ['Workflow'] },
        /event type such as/,
      ],
      ['an empty types list', { url: 'http://127.0.0.1/', types: [] }, /types/],
      [
        'an unknown field',
        { url: 'http://127.0.0.1/', secret: 'whsec_x' },
        /secret should not exist/,
      ],
      ['no url', {}, /url/],
    ])('refuses %s with 400', async (_label, body, message) => {
      const res = await t.as(13).post('/webhooks').send(body).expect(400);
      expectErrorShape(res.body, 400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
    });

    it('refuses a PATCH to a bad or null URL, an unknown type or a null active with 400, and leaves the endpoint as it was', async () => {
      const http = t.as(13);
      const r = await receiver();
      const { id } = await subscribe(http, r);
      await http.patch(`/webhooks/${id}`).send({ url: 'gopher://x' }).expect(400);
      await http
        .patch(`/webhooks/${id}`)
        .send({ types: ['nope.nope'] })
        .expect(400);
      await http.patch(`/webhooks/${id}`).send({ secret: 'whsec_AAAA' }).expect(400);
      const nullUrl = await http.patch(`/webhooks/${id}`).send({ url: null }).expect(400);
      expect(JSON.stringify(nullUrl.body.message)).toMatch(/url/);
      const nullActive = await http.patch(`/webhooks/${id}`).send({ active: null }).expect(400);
      expect(JSON.stringify(nullActive.body.message)).toMatch(/active/);
      expect((await http.get(`/webhooks/${id}`).expect(200)).body).toMatchObject({
        url: r.url,
        types: null,
      });
      await http.delete(`/webhooks/${id}`).expect(200);
    });

    it('hides the endpoints of another organization (404) and lists only its own', async () => {
      const r = await receiver();
      const { id } = await subscribe(t.as(14), r);
      const other = t.as(15);
      await other.get(`/webhooks/${id}`).expect(404);
      await other.patch(`/webhooks/${id}`).send({ description: 'x' }).expect(404);
      await other.delete(`/webhooks/${id}`).expect(404);
      await other.get(`/webhooks/${id}/deliveries`).expect(404);
      await other.post(`/webhooks/${id}/ping`).expect(404);
      expect((await other.get('/webhooks').expect(200)).body.items).toEqual([]);
      await t.as(14).get(`/webhooks/${id}`).expect(200);
    });

    it('lets the integration role read endpoints and deliveries, but not write; viewers and editors get 403', async () => {
      const r = await receiver();
      const { id } = await subscribe(t.as(16), r);
      const integration = t.as(16, 'integration', 9);
      await integration.get('/webhooks').expect(200);
      await integration.get(`/webhooks/${id}`).expect(200);
      await integration.get(`/webhooks/${id}/deliveries`).expect(200);
      await integration.post('/webhooks').send({ url: r.url }).expect(403);
      await integration.patch(`/webhooks/${id}`).send({ active: false }).expect(403);
      await integration.delete(`/webhooks/${id}`).expect(403);
      await integration.post(`/webhooks/${id}/ping`).expect(403);
      for (const role of ['viewer', 'editor'] as const) {
        await t.as(16, role).get('/webhooks').expect(403);
        await t.as(16, role).get(`/webhooks/${id}`).expect(403);
        await t.as(16, role).post('/webhooks').send({ url: r.url }).expect(403);
      }
    });
  });

  describe('delivery', () => {
    it('pings an endpoint: a signed webhook.ping reaches it, and the answer is its delivery', async () => {
      const http = t.as(21);
      const r = await receiver();
      const { id } = await subscribe(http, r);
      const res = await http.post(`/webhooks/${id}/ping`).expect(200);
      expect(res.body).toEqual({
        id: expect.any(Number),
        webhookId: id,
        eventId: null,
        eventType: 'webhook.ping',
        messageId: `ping-${res.body.id}`,
        state: 'delivered',
        attemptCount: 1,
        nextAttemptAt: null,
        deliveredAt: expect.stringMatching(ISO_UTC),
        createdAt: expect.stringMatching(ISO_UTC),
        attempts: [
          {
            at: expect.stringMatching(ISO_UTC),
            statusCode: 204,
            latencyMs: expect.any(Number),
            error: null,
          },
        ],
      });
      expect(r.requests).toHaveLength(1);
      const [ping] = r.requests;
      expect(ping.verified).toBe(true);
      expect(ping.id).toBe(`ping-${res.body.id}`);
      expect(ping.body).toEqual({
        type: 'webhook.ping',
        timestamp: res.body.createdAt,
        data: { webhookId: id },
      });
      expect(ping.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(Number(ping.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    });

    it("delivers each event once, signed, with the event id as webhook-id and the feed's type and data; a types filter is respected", async () => {
      const http = t.as(22);
      const all = await receiver();
      const some = await receiver();
      await subscribe(http, all);
      await subscribe(http, some, { types: ['todo.created', 'deletion.created'] });
      const workflow = await createWorkflow(http);
      const todo = await createTodo(http, { workflowId: workflow.id });
      await createInterview(http, { workflowId: workflow.id });
      await http.patch(`/todos/${todo.id}`).send({ status: 'completed' }).expect(200);
      await http.delete(`/workflows/${workflow.id}`).expect(200);
      const events = await eventsAfter(http);
      expect(events.map((e) => e.type)).toEqual([
        'workflow.created',
        'todo.created',
        'interview.created',
        'todo.updated',
        'deletion.created',
        'workflow.deleted',
      ]);
      await all.until(() => all.delivered().size === events.length);
      const wanted = events.filter((e) => ['todo.created', 'deletion.created'].includes(e.type));
      await some.until(() => some.delivered().size === wanted.length);
      for (const [r, expected] of [
        [all, events],
        [some, wanted],
      ] as const) {
        expect(r.requests.every((q) => q.verified)).toBe(true);
        expect(r.requests.map((q) => q.id).sort()).toEqual(expected.map((e) => e.id).sort());
        for (const e of expected) {
          const [q] = r.delivered().get(e.id)!;
          expect(q.body).toEqual({ type: e.type, timestamp: e.occurredAt, data: e.data });
          expect(q.headers['content-type']).toBe('application/json');
        }
        expect(r.duplicates()).toBe(0);
      }
    });

    it('retries a timeout, a 500 and a redirect (never followed), then delivers; the deliveries show every attempt', async () => {
      const http = t.as(23);
      const r = await receiver();
      const target = await receiver();
      const { id } = await subscribe(http, r);
      r.mode = { kind: 'slow', delayMs: 4000 };
      await createWorkflow(http);
      await r.until(() => r.requests.length >= 1);
      r.mode = { kind: 'status', status: 500 };
      await r.until(() => r.requests.length >= 2);
      r.mode = { kind: 'status', status: 302, location: target.url };
      await r.until(() => r.requests.length >= 3);
      r.mode = { kind: 'ok' };
      await r.until(() => r.delivered().size === 1);
      expect(target.requests).toEqual([]);
      const [event] = await eventsAfter(http);
      expect(new Set(r.requests.map((q) => q.id))).toEqual(new Set([event.id]));
      expect(r.requests.every((q) => q.verified)).toBe(true);

      await eventually(async () => {
        const [delivery] = await deliveriesOf(http, id);
        expect(delivery).toMatchObject({
          eventId: event.id,
          eventType: 'workflow.created',
          messageId: event.id,
          state: 'delivered',
          attemptCount: 4,
        });
        expect(delivery.attempts).toEqual([
          {
            at: expect.stringMatching(ISO_UTC),
            statusCode: null,
            latencyMs: expect.any(Number),
            error: 'no answer within 3000 ms',
          },
          {
            at: expect.stringMatching(ISO_UTC),
            statusCode: 500,
            latencyMs: expect.any(Number),
            error: 'HTTP 500',
          },
          {
            at: expect.stringMatching(ISO_UTC),
            statusCode: 302,
            latencyMs: expect.any(Number),
            error: `redirect not followed (HTTP 302 to ${target.url})`,
          },
          {
            at: expect.stringMatching(ISO_UTC),
            statusCode: 204,
            latencyMs: expect.any(Number),
            error: null,
          },
        ]);
        expect(delivery.attempts[0].latencyMs).toBeGreaterThanOrEqual(2950);
      });
    });
    it('fails a delivery after its last attempt; the retry route queues it again and it is delivered', async () => {
      const http = t.as(24);
      const r = await receiver();
      const { id } = await subscribe(http, r);
      r.mode = { kind: 'status', status: 500 };
      await createWorkflow(http);
      let deliveryId = 0;
      await eventually(async () => {
        const [delivery] = await deliveriesOf(http, id);
        // 1 + the 3 waits of WEBHOOK_RETRY_SCHEDULE
        expect(delivery).toMatchObject({
          state: 'failed',
          attemptCount: 4,
          nextAttemptAt: null,
          deliveredAt: null,
        });
        expect(delivery.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500, 500]);
        deliveryId = delivery.id;
      });
      expect(
        (await http.get(`/webhooks/${id}/deliveries`).query({ state: 'failed' }).expect(200)).body
          .items,
      ).toHaveLength(1);
      expect(
        (await http.get(`/webhooks/${id}/deliveries`).query({ state: 'pending' }).expect(200)).body
          .items,
      ).toEqual([]);
      // no more attempts once failed
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(r.requests).toHaveLength(4);

      r.mode = { kind: 'ok' };
      const retried = await http.post(`/webhooks/${id}/deliveries/${deliveryId}/retry`).expect(202);
      expect(retried.body).toMatchObject({
        id: deliveryId,
        state: 'pending',
        nextAttemptAt: expect.stringMatching(ISO_UTC),
      });
      await r.until(() => r.delivered().size === 1);
      await eventually(async () => {
        const [delivery] = await deliveriesOf(http, id);
        expect(delivery).toMatchObject({ id: deliveryId, state: 'delivered', attemptCount: 5 });
      });
      expect(new Set(r.requests.map((q) => q.id)).size).toBe(1);
      await http.post(`/webhooks/${id}/deliveries/999999/retry`).expect(404);
      await t.as(25).post(`/webhooks/${id}/deliveries/${deliveryId}/retry`).expect(404);
    });

    it('disables an endpoint whose attempts all failed for WEBHOOK_DISABLE_AFTER, says so, sends it nothing more; enabling it resumes', async () => {
      const http = t.as(26);
      const r = await receiver();
      const { id } = await subscribe(http, r);
      r.mode = { kind: 'status', status: 503 };
      const started = Date.now();
      let disabled: Record<string, unknown> | undefined;
      while (!disabled && Date.now() - started < 15_000) {
        await createWorkflow(http);
        await new Promise((resolve) => setTimeout(resolve, 250));
        const res = await http.get(`/webhooks/${id}`).expect(200);
        if (!res.body.active) disabled = res.body;
      }
      expect(disabled).toMatchObject({
        active: false,
        disabledAt: expect.stringMatching(ISO_UTC),
        disabledReason: 'every delivery attempt failed for 2s',
        failingSince: expect.stringMatching(ISO_UTC),
      });
      expect(
        Date.parse(String(disabled!.disabledAt)) - Date.parse(String(disabled!.failingSince)),
      ).toBeGreaterThanOrEqual(2000);
      expect(r.requests.every((q) => q.answered === 503)).toBe(true);

      // disabled: new events wait, nothing is sent
      await new Promise((resolve) => setTimeout(resolve, 400));
      const sent = r.requests.length;
      const whileDisabled = await createWorkflow(http);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(r.requests.length).toBe(sent);
      await http.post(`/webhooks/${id}/deliveries/1/retry`).expect(409);

      r.mode = { kind: 'ok' };
      const enabled = await http.patch(`/webhooks/${id}`).send({ active: true }).expect(200);
      expect(enabled.body).toMatchObject({
        active: true,
        disabledAt: null,
        disabledReason: null,
        failingSince: null,
      });
      const events = await eventsAfter(http);
      const created = events.find(
        (e) => e.type === 'workflow.created' && e.data.id === whileDisabled.id,
      )!;
      await r.until(
        () => r.delivered().has(created.id),
        10_000,
        'the event written while disabled',
      );
    });

    it('takes over the lease of a dispatcher that died once it runs out, and delivers', async () => {
      const http = t.as(29);
      const r = await receiver();
      const paused = await subscribe(http, r);
      await http.patch(`/webhooks/${paused.id}`).send({ active: false }).expect(200);
      const workflow = await createWorkflow(http);
      const [event] = await eventsAfter(http);
      expect(event.data.id).toBe(workflow.id);
      // a delivery claimed by a process that died: its lease runs for another 1.5 s
      const leaseUntil = Date.now() + 1500;
      const at = (ms: number) => new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
      await t.db.query(
        `INSERT INTO webhook_deliveries (organization_id, webhook_id, event_id, event_type, state, attempts, next_attempt_at, lease_owner, lease_until, created_at)
         VALUES (29, ?, ?, 'workflow.created', 'pending', 0, ?, 'dead-host:1:0:1', ?, ?)`,
        [paused.id, event.id, at(Date.now()), at(leaseUntil), at(Date.now())],
      );
      // fanned out up to its creation only: the event above reaches it through that delivery
      await t.db.query('UPDATE webhooks SET fanned_out_to = ? WHERE id = ?', [event.id, paused.id]);
      await http.patch(`/webhooks/${paused.id}`).send({ active: true }).expect(200);
      await r.until(
        () => r.delivered().has(event.id),
        10_000,
        'the delivery of the dead dispatcher',
      );
      expect(r.requests[0].receivedAt).toBeGreaterThanOrEqual(leaseUntil);
      expect(r.requests).toHaveLength(1);
      expect(r.requests[0].verified).toBe(true);
    });

    it('deletes deliveries older than EVENTS_RETENTION with the retention purge, counted as webhookDeliveries', async () => {
      const http = t.as(30);
      const r = await receiver();
      const { id } = await subscribe(http, r);
      await createWorkflow(http);
      await createWorkflow(http);
      await r.until(() => r.delivered().size === 2);
      const [newest, oldest] = await deliveriesOf(http, id);
      const old = new Date(Date.now() - 31 * 86_400_000)
        .toISOString()
        .slice(0, 23)
        .replace('T', ' ');
      await t.db.query('UPDATE webhook_deliveries SET created_at = ? WHERE id = ?', [
        old,
        oldest.id,
      ]);
      const dry = await http
        .post('/admin/purge')
        .send({ olderThan: '3650d', dryRun: true })
        .expect(200);
      expect(dry.body.webhookDeliveries).toBe(1);
      const res = await http.post('/admin/purge').send({ olderThan: '3650d' }).expect(200);
      expect(res.body.webhookDeliveries).toBe(1);
      expect((await deliveriesOf(http, id)).map((d) => d.id)).toEqual([newest.id]);
    });

    it('sends nothing for a rolled-back cascade', async () => {
      const http = t.as(27);
      const r = await receiver();
      await subscribe(http, r);
      const workflow = await createWorkflow(http);
      await createTodo(http, { workflowId: workflow.id });
      const allowUpdates = await rejectUpdatesOf(t.db, t.database.kind, 'todos');
      try {
        await http.delete(`/workflows/${workflow.id}`).expect(500);
      } finally {
        await allowUpdates();
      }
      const marker = await createWorkflow(http, { name: 'after the rollback' });
      await r.until(() =>
        r.requests.some((q) => q.body.type === 'workflow.created' && q.body.data.id === marker.id),
      );
      expect(r.requests.map((q) => q.body.type)).toEqual([
        'workflow.created',
        'todo.created',
        'workflow.created',
      ]);
      expect(r.requests.every((q) => q.verified)).toBe(true);
    });

    it('delivers every event of 1,000 mixed writes, each signed and once, as the feed has it; a filtered endpoint gets its types only', async () => {
      const http = t.as(28);
      const all = await receiver();
      const some = await receiver();
      await subscribe(http, all);
      const filter = ['workflow.deleted', 'deletion.restored', 'interview.updated'];
      await subscribe(http, some, { types: filter });
      let writes = 0;
      const write = async <T>(request: PromiseLike<T>): Promise<T> => {
        writes++;
        return request;
      };
      const round = async (i: number) => {
        const workflow = (
          await write(
            http
              .post('/workflows')
              .send({ name: `w${i}` })
              .expect(201),
          )
        ).body;
        const todo = (
          await write(
            http
              .post('/todos')
              .send({ title: `t${i}`, ownerId: 1, workflowId: workflow.id })
              .expect(201),
          )
        ).body;
        const interview = (
          await write(
            http
              .post('/interviews')
              .send({ title: `i${i}`, candidateId: 1, recruiterId: 2, workflowId: workflow.id })
              .expect(201),
          )
        ).body;
        await write(http.patch(`/todos/${todo.id}`).send({ status: 'completed' }).expect(200));
        await write(
          http
            .patch(`/interviews/${interview.id}`)
            .send({ title: `i${i}'` })
            .expect(200),
        );
        await write(
          http
            .patch(`/workflows/${workflow.id}`)
            .send({ name: `w${i}'` })
            .expect(200),
        );
        const loose = (
          await write(
            http
              .post('/todos')
              .send({ title: `loose ${i}`, ownerId: 2 })
              .expect(201),
          )
        ).body;
        await write(http.delete(`/todos/${loose.id}`).expect(200));
        const deleted = (await write(http.delete(`/workflows/${workflow.id}`).expect(200))).body;
        await write(http.post(`/deletions/${deleted.deletionId}/restore`).expect(200));
      };
      for (let i = 0; i < 100; i += 5) {
        await Promise.all([0, 1, 2, 3, 4].map((j) => round(i + j)));
      }
      expect(writes).toBe(1000);
      const events = await eventsAfter(http);
      expect(events.length).toBeGreaterThanOrEqual(1000);
      const wanted = events.filter((e) => filter.includes(e.type));
      await all.until(() => all.delivered().size >= events.length, 60_000, 'every event');
      await some.until(() => some.delivered().size >= wanted.length, 30_000, 'the filtered events');
      for (const [r, expected] of [
        [all, events],
        [some, wanted],
      ] as const) {
        const delivered = r.delivered();
        expect([...delivered.keys()].sort()).toEqual(expected.map((e) => e.id).sort());
        for (const e of expected) {
          const [q] = delivered.get(e.id)!;
          expect(q.body).toEqual({ type: e.type, timestamp: e.occurredAt, data: e.data });
        }
        expect(r.requests.filter((q) => !q.verified)).toEqual([]);
        // on failure, the attempts of each event delivered twice say why
        const twice = [...r.delivered().entries()].filter(([, list]) => list.length > 1);
        expect(
          twice.length === 0
            ? []
            : await t.db.query(
                `SELECT event_id, attempts, attempt_log FROM webhook_deliveries WHERE event_id IN (${twice.map(([id]) => Number(id)).join(', ')})`,
              ),
        ).toEqual([]);
        expect(r.duplicates()).toBe(0);
      }
      console.log(
        `1,000 writes: ${events.length} events; ${all.requests.length} and ${some.requests.length} requests received`,
      );
    });
  });
  describe('without WEBHOOK_ALLOW_PRIVATE_NETWORKS (the SSRF rules)', () => {
    let strict: TestApp;

    beforeAll(async () => {
      strict = await startTestApp('webhooks_strict', { EVENTS_SETTLE_MS: '0' });
    });

    afterAll(async () => {
      await strict?.close();
    });

    it.each([
      ['http://127.0.0.1:8080/hook', '127.0.0.1'],
      ['http://localhost/hook', 'localhost'],
      ['http://[::1]/hook', '::1'],
      ['http://10.1.2.3/hook', '10.1.2.3'],
      ['http://169.254.169.254/latest/meta-data', '169.254.169.254'],
      ['http://[::ffff:192.168.0.1]/', '::ffff:c0a8:1'],
      ['http://[fd00:ec2::254]/', 'fd00:ec2::254'],
      ['http://100.64.0.1/', '100.64.0.1'],
    ])('refuses %s with 400, saying why', async (url, host) => {
      const res = await strict.http.post('/webhooks').send({ url }).expect(400);
      expectErrorShape(res.body, 400);
      expect(res.body.message).toEqual([
        expect.stringMatching(
          new RegExp(
            `^url's host ${host.replace(/[.[\]]/g, '\\$&')} resolves to .*internal address`,
          ),
        ),
      ]);
      await strict.http.patch('/webhooks/1').send({ url }).expect(400);
    });

    it('checks again at delivery time: an endpoint whose host now resolves to an internal address gets nothing', async () => {
      const r = await receiver();
      // as if its DNS changed after it was accepted: the stored URL now leads to loopback
      const now = new Date().toISOString().slice(0, 23).replace('T', ' ');
      await strict.db.query(
        `INSERT INTO webhooks (organization_id, url, secret, active, fanned_out_to, created_at, updated_at)
         VALUES (1, ?, ?, 1, 0, ?, ?)`,
        [r.url, `whsec_${Buffer.alloc(32, 1).toString('base64')}`, now, now],
      );
      const [{ id }] = await strict.http
        .get('/webhooks')
        .expect(200)
        .then((res) => res.body.items);
      const ping = await strict.http.post(`/webhooks/${id}/ping`).expect(200);
      expect(ping.body).toMatchObject({ state: 'pending', attemptCount: 1 });
      expect(ping.body.attempts[0]).toMatchObject({ statusCode: null });
      expect(ping.body.attempts[0].error).toMatch(/resolves to 127\.0\.0\.1, a loopback, private/);
      await createWorkflow(strict.http);
      await eventually(async () => {
        const deliveries = (await strict.http.get(`/webhooks/${id}/deliveries`).expect(200)).body
          .items as Delivery[];
        expect(
          deliveries.find((d) => d.eventType === 'workflow.created')?.attempts[0]?.error,
        ).toMatch(/internal address/);
      });
      expect(r.requests).toEqual([]);
    });
  });
});
