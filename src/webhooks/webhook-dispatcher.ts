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
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Whether any endpoint is active (last pass, or one created here): a commit wakes us only then. */
  private anyActive = false;
  /** When the retries this process scheduled fall due (ms); each pass drops those it reached. */
  private retries: number[] = [];
  /** Attempts of pings, sent by requests outside a pass: awaited on shutdown too. */
  private readonly outside = new Set<Promise<unknown>>();

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
    await this.running;
    await Promise.allSettled([...this.outside]);
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
      setTimeout(() => this.schedule(0), this.outboxOptions.settleMs + 50).unref();
    }
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

  /** One pass at a time; a request for another during a pass runs one more after it. */
  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
  }

  private async pass(): Promise<void> {
    const began = Date.now();
    try {
      await this.fanOut();
      if (this.anyActive) {
        for (;;) {
          if (this.stopped) break;
          if ((await this.deliverDue()) < CLAIM_SIZE) break;
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
      const types: string[] | null = endpoint.types ? JSON.parse(endpoint.types) : null;
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
  private async deliverDue(): Promise<number> {
    const now = new Date();
    const ids = await this.repository.due(now, CLAIM_SIZE);
    if (ids.length === 0) return 0;
    const token = this.leaseToken();
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs);
    let deliveries: ClaimedDelivery[];
    try {
      deliveries = await this.db.transaction(async (tx) => {
        await this.repository.claim(tx, ids, token, leaseUntil, now);
        return [];
      });
      // read after the commit: only then are the rows ours (on Galera, certified)
      deliveries = await this.repository.claimed(this.db, token);
    } catch (err) {
      // someone else claimed them (a conflict, retried, then given up): their work now
      this.logger.debug?.(`claim lost: ${(err as Error).message}`);
      return ids.length;
    }
    await this.attemptAll(deliveries);
    return ids.length;
  }

  /**
   * Attempts every delivery concurrently, then records all outcomes in one transaction, and
   * remembers when the retries fall due.
   */
  private async attemptAll(deliveries: ClaimedDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const outcomes = await Promise.all(deliveries.map((d) => this.attempt(d)));
    await this.db.transaction((tx) =>
      this.repository.record(tx, outcomes, new Date(), this.options.disableAfterMs),
    );
    for (const { nextAttemptAt } of outcomes) {
      if (nextAttemptAt) this.retries.push(nextAttemptAt.getTime());
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
