import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  OUTBOX_OPTIONS,
  OutboxEventsRepository,
  type OutboxOptions,
} from '../common/outbox/outbox-events.repository';
import { Database } from '../common/persistence/database.service';
import { timestampFromDb } from '../common/persistence/sql-values';
import { sendAttempt, type WebhookMessage } from './webhook-sender';
import { WEBHOOK_OPTIONS, type WebhookOptions } from './webhooks.options';
import {
  WebhooksRepository,
  type ClaimedDelivery,
  type DeliveryOutcome,
} from './webhooks.repository';

/** Deliveries claimed (and attempted concurrently) at a time: all of them end within the lease. */
const CLAIM_SIZE = 16;
/**
 * Attempts open at once in this process, and per endpoint: an endpoint that answers slowly (or
 * never, until WEBHOOK_TIMEOUT_MS) fills its own share, never the others'.
 */
const MAX_IN_FLIGHT = 64;
const MAX_IN_FLIGHT_PER_ENDPOINT = 16;
/** The pause after a pass that failed (the database unreachable...), when polling is slower. */
const FAILED_PASS_PAUSE_MS = 5000;
/** Outbox events fanned out per endpoint and transaction. */
const FAN_OUT_PAGE = 500;

/**
 * Delivers the outbox to the webhooks, in the service process (docs/webhooks.md): fans new
 * events out into deliveries (per endpoint, from its cursor), claims due deliveries with a
 * lease, attempts them, records the outcomes. Safe with any number of replicas, on Galera too:
 * every hand-over of work is a conditional UPDATE. It runs when this process commits events
 * (Database.onEventsCommitted), when one of its retries falls due, and every WEBHOOK_POLL_MS
 * (the work other processes wrote, leases left by dead processes).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  /** This process, in `lease_owner`; each claim appends its own serial. */
  private readonly instance = `${hostname().slice(0, 30)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private claims = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private settleTimer: NodeJS.Timeout | undefined;
  private lastCommitAt = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Whether any endpoint is active (last pass, or one created here): a commit wakes us only then. */
  private anyActive = false;
  /** When the retries this process scheduled fall due (ms); each pass drops those it reached. */
  private retries: number[] = [];
  /** Attempts of pings, sent by requests outside a pass: awaited on shutdown too. */
  private readonly outside = new Set<Promise<unknown>>();
  /** The attempts a pass started and that have not recorded their outcome yet, by endpoint. */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly inFlightPerEndpoint = new Map<number, number>();
  /** A pass stopped claiming because every slot was taken: the next finished attempt runs one. */
  private saturated = false;
  /** Outcomes waiting for the transaction that records them, and that transaction's run. */
  private readonly ended: Array<{
    outcome: DeliveryOutcome;
    resolve: () => void;
    reject: (err: unknown) => void;
  }> = [];
  private recording: Promise<void> | undefined;
  /** Whether the next pass looks for new events too (not only for due deliveries). */
  private fanOutNext = false;

  constructor(
    private readonly db: Database,
    private readonly repository: WebhooksRepository,
    private readonly outbox: OutboxEventsRepository,
    @Inject(OUTBOX_OPTIONS) private readonly outboxOptions: OutboxOptions,
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhookOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.db.onEventsCommitted(() => this.onCommit());
    this.schedule(0);
  }

  /** Stops taking work and waits for the attempts under way (each bounded by WEBHOOK_TIMEOUT_MS). */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.settleTimer);
    await this.running;
    await Promise.allSettled([...this.outside, ...this.inFlight]);
  }

  /** A route created or enabled an endpoint, or queued a delivery: run now. */
  nudge(): void {
    this.anyActive = true;
    this.schedule(0);
  }

  /** A token for one claim: unique across processes and claims. */
  leaseToken(): string {
    return `${this.instance}:${++this.claims}`;
  }

  /**
   * Attempts deliveries the caller holds the lease of (a ping) and records the outcomes, outside
   * a pass; awaited on shutdown.
   */
  async deliverNow(deliveries: ClaimedDelivery[]): Promise<void> {
    const work = this.attemptAll(deliveries);
    this.outside.add(work);
    try {
      await work;
    } finally {
      this.outside.delete(work);
    }
    this.scheduleRetries();
  }

  private onCommit(): void {
    if (!this.anyActive || this.stopped) return;
    this.schedule(0);
    // MariaDB/MySQL: the feed serves an event once it settled (EVENTS_SETTLE_MS); look again then
    if (this.outboxOptions.settleMs > 0 && !this.db.dialect.serializesAccess) {
      this.lastCommitAt = Date.now();
      this.settleTimer ??= this.lookAgainAfterSettling(this.outboxOptions.settleMs + 50);
    }
  }

  /** One timer for any number of commits: when it fires, it re-arms for those made meanwhile. */
  private lookAgainAfterSettling(delayMs: number): NodeJS.Timeout {
    const armedAt = Date.now();
    const timer = setTimeout(() => {
      this.settleTimer = undefined;
      this.schedule(0);
      if (this.lastCommitAt > armedAt && !this.stopped) {
        const due = this.lastCommitAt + this.outboxOptions.settleMs + 50;
        this.settleTimer = this.lookAgainAfterSettling(Math.max(0, due - Date.now()));
      }
    }, delayMs);
    timer.unref();
    return timer;
  }

  /** Runs a pass in `delayMs` (or sooner if one is already due sooner). */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) {
      this.kick();
      return;
    }
    const at = Date.now() + delayMs;
    if (at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timerAt = Infinity;
      this.kick();
    }, delayMs);
    this.timer.unref();
  }

  /**
   * One pass at a time; a request for another during a pass runs one more after it. `fanOut`
   * false: only claims (a slot freed up), without looking for new events.
   */
  private kick(fanOut = true): void {
    this.fanOutNext ||= fanOut;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        const withFanOut = this.fanOutNext;
        this.fanOutNext = false;
        await this.pass(withFanOut);
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
  }

  private async pass(withFanOut: boolean): Promise<void> {
    const began = Date.now();
    try {
      if (withFanOut) await this.fanOut();
      if (this.anyActive) {
        for (;;) {
          if (this.stopped) break;
          const room = Math.min(CLAIM_SIZE, MAX_IN_FLIGHT - this.inFlight.size);
          if (room <= 0) {
            this.saturated = true;
            break;
          }
          if ((await this.deliverDue(room)) < room) break;
        }
      }
    } catch (err) {
      // the database is unreachable, most likely: the retries stay, for the next pass
      this.logger.warn(`webhook pass failed, trying again later: ${(err as Error).message}`);
      this.schedule(Math.min(this.options.pollMs, FAILED_PASS_PAUSE_MS));
      return;
    }
    // every retry due when the pass began was claimed by it (or by another process)
    this.retries = this.retries.filter((at) => at > began);
    this.schedule(this.options.pollMs);
    this.scheduleRetries();
  }

  /** A pass when the earliest retry this process scheduled falls due. */
  private scheduleRetries(): void {
    if (this.retries.length > 0) this.schedule(Math.max(0, Math.min(...this.retries) - Date.now()));
  }

  /** Turns the events after each active endpoint's cursor into its deliveries. */
  private async fanOut(): Promise<void> {
    const endpoints = await this.repository.activeEndpoints();
    this.anyActive = endpoints.length > 0;
    for (const endpoint of endpoints) {
      if (Number(endpoint.behind) !== 1) continue;
      const types = endpoint.types ? (JSON.parse(endpoint.types) as string[]) : null;
      let from = String(endpoint.fanned_out_to);
      for (;;) {
        if (this.stopped) return;
        // the feed's own read: no event whose transaction commits late is stepped over
        const events = await this.outbox.page(
          { organizationId: endpoint.organization_id },
          BigInt(from),
          FAN_OUT_PAGE,
          [],
        );
        if (events.length === 0) break;
        const to = events[events.length - 1].id;
        const wanted = types ? events.filter((e) => types.includes(e.type)) : events;
        const won = await this.db
          .transaction((tx) => this.repository.fanOut(tx, endpoint, from, to, wanted, new Date()))
          .catch((err: unknown) => {
            // a conflict another dispatcher won (on Galera: certification, retried then given up)
            this.logger.debug?.(
              `fan-out of webhook ${endpoint.id} lost: ${(err as Error).message}`,
            );
            return false;
          });
        if (!won || events.length < FAN_OUT_PAGE) break;
        from = to;
      }
    }
  }

  /** Claims up to CLAIM_SIZE due deliveries, attempts them all at once, records the outcomes. */
  /**
   * Claims up to `limit` due deliveries (of endpoints with a free slot) and starts their
   * attempts without waiting for them: each records its own outcome as soon as it ends, so that
   * a slow endpoint holds up neither the others nor the record of their successes (a crash then
   * re-sends only what was really unanswered). Answers how many were due.
   */
  private async deliverDue(limit: number): Promise<number> {
    const now = new Date();
    const busy = [...this.inFlightPerEndpoint]
      .filter(([, open]) => open >= MAX_IN_FLIGHT_PER_ENDPOINT)
      .map(([webhookId]) => webhookId);
    const due = await this.repository.due(now, limit, busy);
    if (due.length === 0) return 0;
    const taken = new Map<number, number>();
    const ids = due
      .filter(({ webhookId }) => {
        const open = (this.inFlightPerEndpoint.get(webhookId) ?? 0) + (taken.get(webhookId) ?? 0);
        if (open >= MAX_IN_FLIGHT_PER_ENDPOINT) return false;
        taken.set(webhookId, (taken.get(webhookId) ?? 0) + 1);
        return true;
      })
      .map(({ id }) => id);
    if (ids.length === 0) return 0;
    const token = this.leaseToken();
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs);
    let deliveries: ClaimedDelivery[];
    try {
      await this.db.transaction((tx) => this.repository.claim(tx, ids, token, leaseUntil, now));
      // read after the commit: only then are the rows ours (on Galera, certified)
      deliveries = await this.repository.claimed(this.db, token);
    } catch (err) {
      // someone else claimed them (a conflict, retried, then given up): their work now
      this.logger.debug?.(`claim lost: ${(err as Error).message}`);
      return due.length;
    }
    for (const delivery of deliveries) this.start(delivery);
    return due.length;
  }

  /** Attempts one delivery in the background, in a slot of its endpoint. */
  private start(delivery: ClaimedDelivery): void {
    const webhookId = Number(delivery.webhook_id);
    this.inFlightPerEndpoint.set(webhookId, (this.inFlightPerEndpoint.get(webhookId) ?? 0) + 1);
    const work: Promise<void> = this.attemptAndRecord(delivery)
      .catch((err: unknown) => {
        // the lease runs out and the delivery is attempted again (at least once)
        this.logger.warn(
          `recording delivery ${String(delivery.id)} failed: ${(err as Error).message}`,
        );
      })
      .finally(() => {
        this.inFlight.delete(work);
        const open = (this.inFlightPerEndpoint.get(webhookId) ?? 1) - 1;
        if (open > 0) this.inFlightPerEndpoint.set(webhookId, open);
        else this.inFlightPerEndpoint.delete(webhookId);
        // a slot is free: deliveries a full pass left behind (or this endpoint's) may go now
        if ((this.saturated || open === MAX_IN_FLIGHT_PER_ENDPOINT - 1) && !this.stopped) {
          this.saturated = false;
          this.kick(false);
        }
      });
    this.inFlight.add(work);
  }

  /** Attempts deliveries the caller holds the lease of (a ping), each outcome recorded as it ends. */
  private async attemptAll(deliveries: ClaimedDelivery[]): Promise<void> {
    await Promise.all(deliveries.map((delivery) => this.attemptAndRecord(delivery)));
  }

  /** One attempt, its outcome recorded at once, and when its retry falls due remembered. */
  private async attemptAndRecord(delivery: ClaimedDelivery): Promise<void> {
    const outcome = await this.attempt(delivery);
    await this.record(outcome);
    if (outcome.nextAttemptAt) {
      this.retries.push(outcome.nextAttemptAt.getTime());
      this.scheduleRetries();
    }
  }

  /**
   * Records an outcome as soon as possible: with the others that ended meanwhile, in one
   * transaction (one transaction per attempt would cost the writers, on SQLite above all).
   */
  private record(outcome: DeliveryOutcome): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.ended.push({ outcome, resolve, reject });
      this.recording ??= this.recordEnded();
    });
  }

  private async recordEnded(): Promise<void> {
    for (;;) {
      const batch = this.ended.splice(0);
      if (batch.length === 0) {
        this.recording = undefined;
        return;
      }
      try {
        await this.db.transaction((tx) =>
          this.repository.record(
            tx,
            batch.map((b) => b.outcome),
            new Date(),
            this.options.disableAfterMs,
          ),
        );
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
  }

  private async attempt(delivery: ClaimedDelivery): Promise<DeliveryOutcome> {
    const at = new Date();
    const message = messageOf(delivery);
    const result = message
      ? await sendAttempt(delivery.url, delivery.secret, message, this.options.timeoutMs, {
          allowPrivateNetworks: this.options.allowPrivateNetworks,
          requireHttps: this.options.requireHttps,
        })
      : {
          ok: false,
          statusCode: null,
          latencyMs: 0,
          error: 'the event is no longer kept (EVENTS_RETENTION)',
        };
    const attempts = Number(delivery.attempts) + 1;
    const schedule = this.options.retryScheduleMs;
    const wait = message && !result.ok && attempts <= schedule.length ? schedule[attempts - 1] : 0;
    return {
      delivery,
      ok: result.ok,
      attempt: {
        at: at.toISOString(),
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        error: result.error,
      },
      // exponential backoff from the schedule, plus up to 20% of jitter so that endpoints
      // coming back are not hit by every retry at once
      nextAttemptAt: wait
        ? new Date(Date.now() + Math.round(wait * (1 + 0.2 * Math.random())))
        : null,
    };
  }
}

/** The message a delivery sends; undefined when its event was purged. */
function messageOf(delivery: ClaimedDelivery): WebhookMessage | undefined {
  if (delivery.event_id === null) {
    return {
      id: `ping-${delivery.id}`,
      type: 'webhook.ping',
      timestamp: timestampFromDb(delivery.created_at) ?? new Date().toISOString(),
      data: { webhookId: Number(delivery.webhook_id) },
    };
  }
  if (delivery.event_data === null) return undefined;
  return {
    id: String(delivery.event_id),
    type: delivery.event_type,
    timestamp: timestampFromDb(delivery.event_occurred_at) ?? '',
    data: JSON.parse(delivery.event_data) as unknown,
  };
}
