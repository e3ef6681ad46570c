import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got, as it arrived. */
export interface ReceivedWebhook {
  /** `webhook-id`. */
  id: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The body, parsed: `{ type, timestamp, data }`. */
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  /** Whether the signature verified with the standardwebhooks verifier (when a secret is known). */
  verified: boolean;
  /** The status the receiver answered (0 for a slow answer that was never sent). */
  answered: number;
  receivedAt: number;
}

/**
 * How the receiver answers: `ok` (204), `status` (that status, e.g. 503 or 302), `slow` (answers
 * 204 only after `delayMs`: beyond WEBHOOK_TIMEOUT_MS, a timeout).
 */
export type ReceiverMode =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; location?: string }
  | { kind: 'slow'; delayMs: number };

/**
 * A real HTTP server on loopback that records every webhook request (headers, raw body),
 * verifies each signature with `new Webhook(secret).verify(body, headers)` (standardwebhooks),
 * answers as its mode says, and counts duplicates by `webhook-id` among the requests it
 * answered 2xx. `stop()` closes it (the port then refuses connections); `start()` listens on the
 * same port again.
 */
export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  mode: ReceiverMode = { kind: 'ok' };
  private secret: string | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;
  private waiters: Array<() => void> = [];

  /** Starts a receiver on 127.0.0.1 (a free port the first time). */
  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await receiver.start();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** The secret that signatures are verified with (the one POST /webhooks answered). */
  verifyWith(secret: string): void {
    this.secret = secret;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops every connection: from now on, connections are refused. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests answered 2xx, by `webhook-id`. */
  delivered(): Map<string, ReceivedWebhook[]> {
    const byId = new Map<string, ReceivedWebhook[]>();
    for (const r of this.requests) {
      if (r.answered < 200 || r.answered >= 300) continue;
      byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
    }
    return byId;
  }

  /** How many `webhook-id`s were answered 2xx more than once. */
  duplicates(): number {
    return [...this.delivered().values()].filter((list) => list.length > 1).length;
  }

  /** Resolves once `predicate` holds (checked after every request), or rejects after `timeoutMs`. */
  async until(predicate: () => boolean, timeoutMs = 20_000, what = 'the webhooks'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `${what} did not arrive within ${timeoutMs} ms (${this.requests.length} requests so far)`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private handle(headers: IncomingHttpHeaders, rawBody: string, res: ServerResponse): void {
    let verified = false;
    if (this.secret) {
      try {
        new Webhook(this.secret).verify(rawBody, headers as Record<string, string>);
        verified = true;
      } catch {
        verified = false;
      }
    }
    let body: ReceivedWebhook['body'];
    try {
      body = JSON.parse(rawBody) as ReceivedWebhook['body'];
    } catch {
      body = { type: '', timestamp: '', data: {} };
    }
    const record: ReceivedWebhook = {
      id: String(headers['webhook-id'] ?? ''),
      headers,
      rawBody,
      body,
      verified,
      answered: 0,
      receivedAt: Date.now(),
    };
    this.requests.push(record);
    const mode = this.mode;
    const answer = (status: number, extra: Record<string, string> = {}) => {
      record.answered = status;
      res.writeHead(status, extra).end();
      this.notify();
    };
    if (mode.kind === 'ok') answer(204);
    else if (mode.kind === 'status') {
      answer(mode.status, mode.location ? { location: mode.location } : {});
    } else {
      // never counted as answered 2xx: the sender gave up before (its timeout is shorter)
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(204).end();
      }, mode.delayMs).unref();
      this.notify();
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
