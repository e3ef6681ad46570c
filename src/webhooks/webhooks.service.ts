import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors/domain-errors';
import { decodeCursor } from '../common/pagination/cursor';
import { pageOf } from '../common/pagination/page';
import { Database } from '../common/persistence/database.service';
import type { Scope } from '../common/persistence/scope';
import { timestampFromDb } from '../common/persistence/sql-values';
import { changeEventTypes, LinkedKinds } from '../workflows';
import { UnsafeUrlError, vetUrl } from './address-policy';
import type {
  CreatedWebhookDto,
  CreateWebhookDto,
  DeliveryDto,
  DeliveryPageDto,
  ListDeliveriesQueryDto,
  UpdateWebhookDto,
  WebhookDto,
  WebhookPageDto,
} from './dto/webhook.dto';
import type { PageQueryDto } from '../common/pagination/page-query.dto';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WEBHOOK_OPTIONS, type WebhookOptions } from './webhooks.options';
import {
  parseAttempts,
  WebhooksRepository,
  type DeliveryRow,
  type WebhookRow,
} from './webhooks.repository';

/** The webhook routes (README, "Webhooks"): endpoints, their deliveries, retries and pings. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly db: Database,
    private readonly repository: WebhooksRepository,
    private readonly dispatcher: WebhookDispatcher,
    private readonly kinds: LinkedKinds,
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhookOptions,
  ) {}

  /** The event types an endpoint may subscribe to: every type of GET /events. */
  types(): string[] {
    return changeEventTypes(this.kinds.kinds()).map((t) => t.type);
  }

  async create(scope: Scope, dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    await this.checkUrl(dto.url);
    const types = this.checkTypes(dto.types);
    // 32 random bytes, as base64: what the standardwebhooks verifier expects after `whsec_`
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const now = new Date();
    const id = await this.db.transaction((tx) =>
      this.repository.insert(
        tx,
        scope,
        { url: dto.url, types, description: dto.description ?? null, secret },
        now,
      ),
    );
    this.dispatcher.nudge();
    return { ...(await this.get(scope, id)), secret };
  }

  async get(scope: Scope, id: number): Promise<WebhookDto> {
    const row = await this.repository.find(this.db, scope, id);
    if (!row) throw new NotFoundError('Webhook', id);
    return toWebhook(row);
  }

  async list(scope: Scope, query: PageQueryDto): Promise<WebhookPageDto> {
    const binding = { list: 'webhooks', filter: {} };
    const after = query.cursor ? decodeCursor(query.cursor, binding) : 0;
    const rows = await this.repository.list(scope, after, query.limit + 1);
    return pageOf(rows, query.limit, toWebhook, binding);
  }

  async update(scope: Scope, id: number, dto: UpdateWebhookDto): Promise<WebhookDto> {
    if (dto.url !== undefined) await this.checkUrl(dto.url);
    const set: Record<string, unknown> = {};
    if (dto.url !== undefined) set.url = dto.url;
    if (dto.types !== undefined) {
      const types = this.checkTypes(dto.types);
      set.types = types ? JSON.stringify(types) : null;
    }
    if (dto.description !== undefined) set.description = dto.description;
    if (dto.active !== undefined) {
      set.active = dto.active ? 1 : 0;
      if (dto.active) {
        // enabling ends a disabling and its run of failures
        Object.assign(set, { disabled_at: null, disabled_reason: null, failing_since: null });
      }
    }
    await this.db.transaction(async (tx) => {
      if (!(await this.repository.find(tx, scope, id, true)))
        throw new NotFoundError('Webhook', id);
      if (Object.keys(set).length > 0) await this.repository.update(tx, scope, id, set, new Date());
    });
    if (dto.active) this.dispatcher.nudge();
    return this.get(scope, id);
  }

  async remove(scope: Scope, id: number): Promise<WebhookDto> {
    return this.db.transaction(async (tx) => {
      const row = await this.repository.find(tx, scope, id, true);
      if (!row) throw new NotFoundError('Webhook', id);
      await this.repository.remove(tx, scope, id);
      return toWebhook(row);
    });
  }

  async deliveries(
    scope: Scope,
    webhookId: number,
    query: ListDeliveriesQueryDto,
  ): Promise<DeliveryPageDto> {
    await this.get(scope, webhookId);
    const binding = { list: 'webhook_deliveries', filter: { webhookId, state: query.state } };
    const before = query.cursor ? decodeCursor(query.cursor, binding) : 0;
    const rows = await this.repository.deliveries(
      scope,
      webhookId,
      before,
      query.limit + 1,
      query.state,
    );
    return pageOf(rows, query.limit, toDelivery, binding);
  }

  /**
   * Queues a delivery again, due now, whatever its state: one more attempt (a failed delivery
   * that fails again is failed again; a pending one keeps its schedule). 409 while the endpoint
   * is inactive: its deliveries would wait.
   */
  async retry(scope: Scope, webhookId: number, deliveryId: number): Promise<DeliveryDto> {
    const webhook = await this.get(scope, webhookId);
    if (!webhook.active) {
      throw new ConflictError(
        `Webhook ${webhookId} is not active; enable it (PATCH active=true) before retrying its deliveries`,
      );
    }
    await this.db.transaction(async (tx) => {
      if (!(await this.repository.delivery(tx, scope, webhookId, deliveryId))) {
        throw new NotFoundError('Delivery', deliveryId);
      }
      await this.repository.requeue(tx, scope, webhookId, deliveryId, new Date());
    });
    this.dispatcher.nudge();
    return this.delivery(scope, webhookId, deliveryId);
  }

  /**
   * Sends a `webhook.ping` to this endpoint only, now, in the request (bounded by
   * WEBHOOK_TIMEOUT_MS), and answers its delivery after that first attempt: `delivered`, or
   * `pending` with the attempt's error and the time of its retry (a ping is retried as any
   * delivery, while the endpoint is active).
   */
  async ping(scope: Scope, webhookId: number): Promise<DeliveryDto> {
    await this.get(scope, webhookId);
    const token = this.dispatcher.leaseToken();
    const now = new Date();
    const id = await this.db.transaction((tx) =>
      this.repository.insertPing(
        tx,
        scope,
        webhookId,
        token,
        new Date(now.getTime() + this.options.leaseMs),
        now,
      ),
    );
    await this.dispatcher.deliverNow(await this.repository.claimed(this.db, token));
    return this.delivery(scope, webhookId, id);
  }

  private async delivery(scope: Scope, webhookId: number, id: number): Promise<DeliveryDto> {
    const row = await this.repository.delivery(this.db, scope, webhookId, id);
    if (!row) throw new NotFoundError('Delivery', id);
    return toDelivery(row);
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await vetUrl(url, this.options);
    } catch (err) {
      if (err instanceof UnsafeUrlError) throw new InvalidInputError(err.message);
      throw err;
    }
  }

  private checkTypes(types: string[] | null | undefined): string[] | null {
    if (!types) return null;
    const known = this.types();
    const unknown = types.filter((type) => !known.includes(type));
    if (unknown.length > 0) {
      throw new InvalidInputError(
        `unknown event type ${unknown.join(', ')}; types must be among: ${known.join(', ')}`,
      );
    }
    return types;
  }
}

function toWebhook(row: WebhookRow): WebhookDto {
  return {
    id: Number(row.id),
    url: row.url,
    types: row.types ? (JSON.parse(row.types) as string[]) : null,
    description: row.description,
    active: Number(row.active) === 1,
    disabledAt: timestampFromDb(row.disabled_at),
    disabledReason: row.disabled_reason,
    failingSince: timestampFromDb(row.failing_since),
    createdAt: timestampFromDb(row.created_at) ?? '',
    updatedAt: timestampFromDb(row.updated_at) ?? '',
  };
}

function toDelivery(row: DeliveryRow): DeliveryDto {
  const id = Number(row.id);
  return {
    id,
    webhookId: Number(row.webhook_id),
    eventId: row.event_id === null ? null : String(row.event_id),
    eventType: row.event_type,
    messageId: row.event_id === null ? `ping-${id}` : String(row.event_id),
    state: row.state,
    attemptCount: Number(row.attempts),
    nextAttemptAt: row.state === 'pending' ? timestampFromDb(row.next_attempt_at) : null,
    deliveredAt: timestampFromDb(row.delivered_at),
    createdAt: timestampFromDb(row.created_at) ?? '',
    attempts: parseAttempts(row.attempt_log),
  };
}
