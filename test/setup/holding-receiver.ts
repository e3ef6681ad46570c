import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got, as it arrived. */
export interface ReceivedDelivery {
  /** The webhook-id header: the outbox event's id, the same on every retry. */
  id: string;
  headers: Record<string, string>;
  body: string;
  /** The sender's end of the connection. */
  remotePort: number;
  /** Who sent it, as `identify` told when it arrived (see ownsConnection). */
  sender?: string;
}

/** What the receiver does with a request: answer 200 at once, or hold it open without answering. */
export type ReceiverAnswer = 'ok' | 'hold';

/**
 * A webhook endpoint on loopback for the process-level suites (a crash mid-delivery, replicas on
 * Galera): it records every request, can hold requests open (a slow receiver: the service's
 * delivery stays in flight until the process dies or the receiver answers), and counts what a
 * consumer deduplicating on `webhook-id` would see.
 */
export class HoldingReceiver {
  readonly received: ReceivedDelivery[] = [];
  /** Decides, per request, whether it is answered or held; answers 200 unless changed. */
  answer: (delivery: ReceivedDelivery) => ReceiverAnswer = () => 'ok';
  /** Names the sender of a request from its port, when it arrives (before the sender can die). */
  identify: (remotePort: number) => string | undefined = () => undefined;
  private readonly held = new Map<ServerResponse, ReceivedDelivery>();
  private readonly server = createServer((req, res) => this.handle(req, res));

  private constructor() {}

  static async start(): Promise<HoldingReceiver> {
    const receiver = new HoldingReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Requests open right now: received, not answered, their connection still up. */
  get holding(): number {
    return this.held.size;
  }

  /** The requests open right now. */
  heldDeliveries(): ReceivedDelivery[] {
    return [...this.held.values()];
  }

  /** How many times each webhook-id arrived. */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { id } of this.received) counts.set(id, (counts.get(id) ?? 0) + 1);
    return counts;
  }

  /** Deliveries beyond the first of each webhook-id. */
  duplicates(): number {
    return this.received.length - this.counts().size;
  }

  /** The webhook-ids that arrived more than once. */
  duplicatedIds(): string[] {
    return [...this.counts()].filter(([, n]) => n > 1).map(([id]) => id);
  }

  /** The webhook-ids of the requests whose signature the standardwebhooks verifier refuses. */
  badSignatures(secret: string): string[] {
    const webhook = new Webhook(secret);
    return this.received
      .filter((delivery) => {
        try {
          webhook.verify(delivery.body, delivery.headers);
          return false;
        } catch {
          return true;
        }
      })
      .map((delivery) => delivery.id);
  }

  /** Answers every held request 200 (their deliveries then succeed) and holds no more. */
  releaseAll(): void {
    this.answer = () => 'ok';
    for (const res of this.held.keys()) res.writeHead(200).end();
    this.held.clear();
  }

  async close(): Promise<void> {
    for (const res of this.held.keys()) res.destroy();
    this.held.clear();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[name] = value;
      }
      const delivery = {
        id: headers['webhook-id'] ?? '',
        headers,
        body: Buffer.concat(chunks).toString(),
        remotePort: req.socket.remotePort ?? 0,
        sender: this.identify(req.socket.remotePort ?? 0),
      };
      this.received.push(delivery);
      if (this.answer(delivery) === 'ok') {
        res.writeHead(200).end();
        return;
      }
      this.held.set(res, delivery);
      // the sender died or gave up (its timeout): the request is no longer in flight
      res.on('close', () => this.held.delete(res));
    });
  }
}

/**
 * Whether process `pid` owns the local end of the loopback TCP connection whose port is
 * `localPort` (Linux: /proc/net/tcp names the socket's inode, /proc/<pid>/fd links to it): which
 * replica sent a request the receiver holds.
 */
export function ownsConnection(pid: number, localPort: number): boolean {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      if (columns.length > 9 && parseInt(columns[1].split(':')[1], 16) === localPort) {
        inodes.add(`socket:[${columns[9]}]`);
      }
    }
  }
  const fds = readdirSync(`/proc/${pid}/fd`);
  return fds.some((fd) => {
    try {
      return inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      return false; // closed meanwhile
    }
  });
}

/**
 * Polls `condition` until it holds or `timeoutMs` has passed (the caller's assertions then say
 * what is missing): a condition on the database or the receiver, never a fixed sleep.
 */
export async function pollUntil(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition()) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
