import { Injectable } from '@nestjs/common';
import { Database, type Reader, type Transaction } from '../common/persistence/database.service';
import type { Scope } from '../common/persistence/scope';
import { timestampToDb } from '../common/persistence/sql-values';

export const WEBHOOKS = 'webhooks';
export const DELIVERIES = 'webhook_deliveries';

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface WebhookRow {
  id: number;
  organization_id: number;
  url: string;
  types: string | null;
  description: string | null;
  secret: string;
  active: number | boolean;
  disabled_at: unknown;
  disabled_reason: string | null;
  failing_since: unknown;
  fanned_out_to: number | string;
  created_at: unknown;
  updated_at: unknown;
}

/** One attempt of a delivery, as `attempt_log` keeps it (and the API shows it). */
export interface AttemptRecord {
  at: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

export interface DeliveryRow {
  id: number | string;
  organization_id: number;
  webhook_id: number;
  event_id: number | string | null;
  event_type: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: unknown;
  lease_owner: string | null;
  last_status: number | null;
  last_error: string | null;
  attempt_log: string | null;
  created_at: unknown;
  delivered_at: unknown;
}

/** A claimed delivery with what its attempt needs: the endpoint and the event. */
export interface ClaimedDelivery extends DeliveryRow {
  url: string;
  secret: string;
  event_occurred_at: unknown;
  event_data: string | null;
}

/** The outcome of one attempt, to be written by the lease's owner. */
export interface DeliveryOutcome {
  delivery: ClaimedDelivery;
  attempt: AttemptRecord;
  ok: boolean;
  /** The next attempt's time, or null when the delivery is now failed (or delivered). */
  nextAttemptAt: Date | null;
}

/** Attempts kept in `attempt_log`, the newest. */
const KEPT_ATTEMPTS = 25;

const DELIVERY_COLUMNS = `d.id, d.organization_id, d.webhook_id, d.event_id, d.event_type, d.state, d.attempts,
  d.next_attempt_at, d.lease_owner, d.last_status, d.last_error, d.attempt_log, d.created_at, d.delivered_at`;

/**
 * The SQL of the webhooks and their deliveries. The routes' statements are scoped to one
 * organization (`organization_id = ?` first); the dispatcher's (fan-out, claim) cross
 * organizations, as a job does, and carry each row's organization into what they write.
 */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly db: Database) {}

  // ---- the routes -------------------------------------------------------------------------

  /**
   * Inserts an endpoint whose cursor is the organization's newest event: it receives the events
   * written after it (README, "Webhooks").
   */
  async insert(
    tx: Transaction,
    scope: Scope,
    values: { url: string; types: string[] | null; description: string | null; secret: string },
    now: Date,
  ): Promise<number> {
    const at = timestampToDb(now);
    const { insertId } = await tx.execute(
      `INSERT INTO ${WEBHOOKS} (organization_id, url, types, description, secret, active, fanned_out_to, created_by, created_at, updated_at)
       SELECT ?, ?, ?, ?, ?, 1, COALESCE(MAX(id), 0), ?, ?, ? FROM outbox_events WHERE organization_id = ?`,
      [
        scope.organizationId,
        values.url,
        values.types ? JSON.stringify(values.types) : null,
        values.description,
        values.secret,
        scope.id ?? null,
        at,
        at,
        scope.organizationId,
      ],
    );
    return insertId;
  }

  async find(
    reader: Reader,
    scope: Scope,
    id: number,
    lock = false,
  ): Promise<WebhookRow | undefined> {
    const [row] = await reader.select<WebhookRow>(
      `SELECT * FROM ${WEBHOOKS} WHERE organization_id = ? AND id = ?${lock ? this.db.dialect.forUpdate : ''}`,
      [scope.organizationId, id],
    );
    return row;
  }

  list(scope: Scope, afterId: number, limit: number): Promise<WebhookRow[]> {
    return this.db.select<WebhookRow>(
      `SELECT * FROM ${WEBHOOKS} WHERE organization_id = ? AND id > ? ORDER BY id LIMIT ?`,
      [scope.organizationId, afterId, limit],
    );
  }

  async update(
    tx: Transaction,
    scope: Scope,
    id: number,
    set: Record<string, unknown>,
    now: Date,
  ): Promise<void> {
    const columns = Object.keys(set);
    await tx.execute(
      `UPDATE ${WEBHOOKS} SET ${columns.map((c) => `${c} = ?`).join(', ')}, updated_at = ?
        WHERE organization_id = ? AND id = ?`,
      [...columns.map((c) => set[c]), timestampToDb(now), scope.organizationId, id],
    );
  }

  /** Deletes an endpoint and its deliveries. */
  async remove(tx: Transaction, scope: Scope, id: number): Promise<void> {
    await tx.execute(`DELETE FROM ${DELIVERIES} WHERE organization_id = ? AND webhook_id = ?`, [
      scope.organizationId,
      id,
    ]);
    await tx.execute(`DELETE FROM ${WEBHOOKS} WHERE organization_id = ? AND id = ?`, [
      scope.organizationId,
      id,
    ]);
  }

  /** An endpoint's deliveries, newest first, before `beforeId` (0: from the newest). */
  deliveries(
    scope: Scope,
    webhookId: number,
    beforeId: number,
    limit: number,
    state: DeliveryState | undefined,
  ): Promise<DeliveryRow[]> {
    return this.db.select<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM ${DELIVERIES} d
        WHERE d.organization_id = ? AND d.webhook_id = ?${beforeId ? ' AND d.id < ?' : ''}${state ? ' AND d.state = ?' : ''}
        ORDER BY d.id DESC LIMIT ?`,
      [
        scope.organizationId,
        webhookId,
        ...(beforeId ? [beforeId] : []),
        ...(state ? [state] : []),
        limit,
      ],
    );
  }

  async delivery(
    reader: Reader,
    scope: Scope,
    webhookId: number,
    id: number,
  ): Promise<DeliveryRow | undefined> {
    const [row] = await reader.select<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM ${DELIVERIES} d
        WHERE d.organization_id = ? AND d.webhook_id = ? AND d.id = ?`,
      [scope.organizationId, webhookId, id],
    );
    return row;
  }

  /** Makes a delivery pending and due now, with one more attempt than it had (README, "Webhooks"). */
  async requeue(tx: Transaction, scope: Scope, webhookId: number, id: number, now: Date) {
    await tx.execute(
      `UPDATE ${DELIVERIES} SET state = 'pending', next_attempt_at = ?, delivered_at = NULL
        WHERE organization_id = ? AND webhook_id = ? AND id = ?`,
      [timestampToDb(now), scope.organizationId, webhookId, id],
    );
  }

  /** A ping's delivery, claimed at once by `owner` (the request sends its first attempt). */
  async insertPing(
    tx: Transaction,
    scope: Scope,
    webhookId: number,
    owner: string,
    leaseUntil: Date,
    now: Date,
  ): Promise<number> {
    const { insertId } = await tx.execute(
      `INSERT INTO ${DELIVERIES} (organization_id, webhook_id, event_id, event_type, state, attempts, next_attempt_at, lease_owner, lease_until, created_at)
       VALUES (?, ?, NULL, 'webhook.ping', 'pending', 0, ?, ?, ?, ?)`,
      [
        scope.organizationId,
        webhookId,
        timestampToDb(now),
        owner,
        timestampToDb(leaseUntil),
        timestampToDb(now),
      ],
    );
    return insertId;
  }

  // ---- the dispatcher ---------------------------------------------------------------------

  /** Every active endpoint, and whether events were written after its cursor. */
  activeEndpoints(): Promise<
    Array<{
      id: number;
      organization_id: number;
      fanned_out_to: number | string;
      types: string | null;
      behind: number;
    }>
  > {
    return this.db.select(
      `SELECT w.id, w.organization_id, w.fanned_out_to, w.types,
              CASE WHEN EXISTS (SELECT 1 FROM outbox_events e
                                 WHERE e.organization_id = w.organization_id AND e.id > w.fanned_out_to)
                   THEN 1 ELSE 0 END AS behind
         FROM ${WEBHOOKS} w WHERE w.active = 1`,
    );
  }

  /**
   * Moves an endpoint's cursor from `from` to `to` and inserts the deliveries of the events in
   * between, in one transaction. The conditional UPDATE makes one dispatcher the winner when
   * several fan out the same endpoint (row lock; on Galera a certification conflict, after which
   * the re-run matches nothing): false when another one had already done it.
   */
  async fanOut(
    tx: Transaction,
    endpoint: { id: number; organization_id: number },
    from: string,
    to: string,
    events: Array<{ id: string; type: string }>,
    now: Date,
  ): Promise<boolean> {
    const { affected } = await tx.execute(
      `UPDATE ${WEBHOOKS} SET fanned_out_to = ? WHERE id = ? AND fanned_out_to = ? AND active = 1`,
      [to, endpoint.id, from],
    );
    if (affected !== 1 || events.length === 0) return affected === 1;
    const at = timestampToDb(now);
    await tx.execute(
      `INSERT INTO ${DELIVERIES} (organization_id, webhook_id, event_id, event_type, state, attempts, next_attempt_at, created_at)
       VALUES ${events.map(() => `(?, ?, ?, ?, 'pending', 0, ?, ?)`).join(', ')}`,
      events.flatMap((e) => [endpoint.organization_id, endpoint.id, e.id, e.type, at, at]),
    );
    return true;
  }

  /**
   * Up to `limit` deliveries that are due, unclaimed (or whose lease ran out), of active
   * endpoints other than `busy` (those this process already has enough attempts open for).
   */
  async due(
    now: Date,
    limit: number,
    busy: readonly number[] = [],
  ): Promise<Array<{ id: string; webhookId: number }>> {
    const at = timestampToDb(now);
    const notBusy = busy.length
      ? ` AND d.webhook_id NOT IN (${busy.map(() => '?').join(', ')})`
      : '';
    const rows = await this.db.select<{ id: number | string; webhook_id: number | string }>(
      `SELECT d.id, d.webhook_id FROM ${DELIVERIES} d
        WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until < ?)${notBusy}
          AND EXISTS (SELECT 1 FROM ${WEBHOOKS} w WHERE w.id = d.webhook_id AND w.active = 1)
        ORDER BY d.next_attempt_at LIMIT ?`,
      [at, at, ...busy, limit],
    );
    return rows.map((row) => ({ id: String(row.id), webhookId: Number(row.webhook_id) }));
  }

  /**
   * The claim: leases those of `ids` that are still due and unclaimed to `owner`, by one
   * conditional UPDATE (row locks decide between dispatchers; on Galera the loser's commit fails
   * certification, its re-run claims nothing). No GET_LOCK: it is local to one Galera node.
   */
  async claim(tx: Transaction, ids: string[], owner: string, leaseUntil: Date, now: Date) {
    const at = timestampToDb(now);
    await tx.execute(
      `UPDATE ${DELIVERIES} SET lease_owner = ?, lease_until = ?
        WHERE id IN (${ids.map(() => '?').join(', ')})
          AND state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)`,
      [owner, timestampToDb(leaseUntil), ...ids, at, at],
    );
  }

  /** The deliveries leased to `owner` (a claim's own token), with their endpoint and event. */
  claimed(reader: Reader, owner: string): Promise<ClaimedDelivery[]> {
    return reader.select<ClaimedDelivery>(
      `SELECT ${DELIVERY_COLUMNS}, w.url, w.secret, e.occurred_at AS event_occurred_at, e.data AS event_data
         FROM ${DELIVERIES} d
         JOIN ${WEBHOOKS} w ON w.id = d.webhook_id AND w.organization_id = d.organization_id
         LEFT JOIN outbox_events e ON e.id = d.event_id AND e.organization_id = d.organization_id
        WHERE d.lease_owner = ? AND d.state = 'pending'`,
      [owner],
    );
  }

  /**
   * Writes the outcomes of a claim's attempts, each only while its lease is still the writer's,
   * and the endpoints' health: a success ends a run of failures; a run of failures older than
   * `disableAfter` disables the endpoint.
   */
  async record(tx: Transaction, outcomes: DeliveryOutcome[], now: Date, disableAfterMs: number) {
    const at = timestampToDb(now);
    for (const { delivery, attempt, ok, nextAttemptAt } of outcomes) {
      const log = [...parseAttempts(delivery.attempt_log), attempt].slice(-KEPT_ATTEMPTS);
      const state: DeliveryState = ok ? 'delivered' : nextAttemptAt ? 'pending' : 'failed';
      await tx.execute(
        `UPDATE ${DELIVERIES}
            SET state = ?, attempts = attempts + 1, next_attempt_at = ?, delivered_at = ?,
                last_status = ?, last_error = ?, attempt_log = ?, lease_owner = NULL, lease_until = NULL
          WHERE id = ? AND lease_owner = ?`,
        [
          state,
          nextAttemptAt ? timestampToDb(nextAttemptAt) : null,
          ok ? at : null,
          attempt.statusCode,
          attempt.error,
          JSON.stringify(log),
          delivery.id,
          delivery.lease_owner,
        ],
      );
    }
    const health = new Map<number, boolean>();
    for (const { delivery, ok } of outcomes) {
      health.set(delivery.webhook_id, (health.get(delivery.webhook_id) ?? false) || ok);
    }
    for (const [webhookId, anyOk] of health) {
      if (anyOk) {
        await tx.execute(
          `UPDATE ${WEBHOOKS} SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL`,
          [webhookId],
        );
        continue;
      }
      await tx.execute(
        `UPDATE ${WEBHOOKS} SET failing_since = ? WHERE id = ? AND failing_since IS NULL`,
        [at, webhookId],
      );
      await tx.execute(
        `UPDATE ${WEBHOOKS} SET active = 0, disabled_at = ?, disabled_reason = ?, updated_at = ?
          WHERE id = ? AND active = 1 AND failing_since <= ?`,
        [
          at,
          `every delivery attempt failed for ${formatDuration(disableAfterMs)}`,
          at,
          webhookId,
          timestampToDb(new Date(now.getTime() - disableAfterMs)),
        ],
      );
    }
  }

  // ---- retention --------------------------------------------------------------------------

  async purgeBefore(scope: Scope, cutoff: Date, batch: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.select<{ id: number | string }>(
        `SELECT id FROM ${DELIVERIES} WHERE organization_id = ? AND created_at < ? ORDER BY created_at LIMIT ?`,
        [scope.organizationId, timestampToDb(cutoff), batch],
      );
      if (rows.length === 0) return 0;
      const ids = rows.map((row) => String(row.id));
      const { affected } = await tx.execute(
        `DELETE FROM ${DELIVERIES} WHERE organization_id = ? AND id IN (${ids.map(() => '?').join(', ')})`,
        [scope.organizationId, ...ids],
      );
      return affected;
    });
  }

  async countBefore(scope: Scope, cutoff: Date): Promise<number> {
    const [row] = await this.db.select<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${DELIVERIES} WHERE organization_id = ? AND created_at < ?`,
      [scope.organizationId, timestampToDb(cutoff)],
    );
    return Number(row.n);
  }

  async organizationIds(): Promise<number[]> {
    const rows = await this.db.select<{ organization_id: number }>(
      `SELECT DISTINCT organization_id FROM ${WEBHOOKS} ORDER BY organization_id`,
    );
    return rows.map((row) => Number(row.organization_id));
  }
}

export function parseAttempts(log: string | null): AttemptRecord[] {
  return log ? (JSON.parse(log) as AttemptRecord[]) : [];
}

/** 86400000 -> `24h`, 90000 -> `90s`, 250 -> `250ms`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
