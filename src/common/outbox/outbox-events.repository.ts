import { Inject, Injectable } from '@nestjs/common';
import { Database } from '../persistence/database.service';
import type { Scope } from '../persistence/scope';
import { timestampFromDb, timestampToDb } from '../persistence/sql-values';
import { OUTBOX_TABLE, type OutboxEvent } from './outbox';

/** EVENTS_RETENTION and EVENTS_SETTLE_MS (src/config/app-config.ts). */
export interface OutboxOptions {
  /** Events older than this (by occurred_at) are deleted by the retention purge. */
  retentionMs: number;
  /**
   * MariaDB/MySQL: the feed serves an event only once the database's clock is this far past its
   * INSERT (and nothing after an event that is not). See README, "Consuming changes".
   */
  settleMs: number;
}

export const OUTBOX_OPTIONS = Symbol('OUTBOX_OPTIONS');

interface EventRow {
  id: number | string;
  type: string;
  actor_id: number | string | null;
  occurred_at: unknown;
  data: string;
  settled?: number | string | boolean;
}

/**
 * The reads and the purge of outbox_events (its writes are the one INSERT of each transaction,
 * Database.transaction); every statement is scoped to one organization, `organization_id = ?`
 * first, as in SoftDeletableRepository.
 */
@Injectable()
export class OutboxEventsRepository {
  constructor(
    private readonly db: Database,
    @Inject(OUTBOX_OPTIONS) private readonly options: OutboxOptions,
  ) {}

  /**
   * Up to `limit` events after `after`, in id order, of the given types (all when empty), such
   * that no event with a smaller id can commit later: the no-skip guarantee.
   *
   * - SQLite: one writer; a transaction's ids are taken and committed before the next one
   *   starts, and the read connection sees committed rows only. Nothing to wait for.
   * - MariaDB/MySQL: ids are taken (AUTO_INCREMENT) before the commit, so commits can land out
   *   of id order. The SELECT is a locking read (LOCK IN SHARE MODE): it waits for every
   *   transaction whose uncommitted event lies in the range it scans, so it never steps over one.
   *   An id taken but whose row is not yet in the index (the instant between AUTO_INCREMENT and
   *   the row's insertion, or on a Galera cluster a writeset of another node not yet applied
   *   here) is covered by the settle window: the answer stops at the first event the database's
   *   clock has not seen for settleMs.
   */
  async page(
    scope: Scope,
    after: bigint,
    limit: number,
    types: readonly string[],
  ): Promise<OutboxEvent[]> {
    const org = organizationOf(scope);
    const typeFilter = types.length ? ` AND type IN (${types.map(() => '?').join(', ')})` : '';
    const params = [org, after.toString(), ...types, limit];
    if (this.db.dialect.serializesAccess) {
      const rows = await this.db.select<EventRow>(
        `SELECT id, type, actor_id, occurred_at, data FROM ${OUTBOX_TABLE}
          WHERE organization_id = ? AND id > ?${typeFilter} ORDER BY id LIMIT ?`,
        params,
      );
      return rows.map(toEvent);
    }
    const rows = await this.db.transaction((tx) =>
      tx.select<EventRow>(
        `SELECT id, type, actor_id, occurred_at, data,
                recorded_at <= NOW(6) - INTERVAL ? MICROSECOND AS settled
           FROM ${OUTBOX_TABLE}
          WHERE organization_id = ? AND id > ?${typeFilter} ORDER BY id LIMIT ? LOCK IN SHARE MODE`,
        [this.options.settleMs * 1000, ...params],
      ),
    );
    const unsettled = rows.findIndex((row) => Number(row.settled) !== 1);
    return (unsettled === -1 ? rows : rows.slice(0, unsettled)).map(toEvent);
  }

  /** Retention: deletes up to `batch` events that occurred before `cutoff` (one transaction). */
  async purgeBefore(scope: Scope, cutoff: Date, batch: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.select<{ id: number | string }>(
        `SELECT id FROM ${OUTBOX_TABLE} WHERE organization_id = ? AND occurred_at < ? ORDER BY occurred_at LIMIT ?`,
        [organizationOf(scope), timestampToDb(cutoff), batch],
      );
      if (rows.length === 0) return 0;
      const ids = rows.map((row) => String(row.id));
      const { affected } = await tx.execute(
        `DELETE FROM ${OUTBOX_TABLE} WHERE organization_id = ? AND id IN (${ids.map(() => '?').join(', ')})`,
        [organizationOf(scope), ...ids],
      );
      return affected;
    });
  }

  async countBefore(scope: Scope, cutoff: Date): Promise<number> {
    const [row] = await this.db.select<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${OUTBOX_TABLE} WHERE organization_id = ? AND occurred_at < ?`,
      [organizationOf(scope), timestampToDb(cutoff)],
    );
    return Number(row.n);
  }

  /** The organizations with events: for the purge CLI only, as organizationIds() elsewhere. */
  async organizationIds(): Promise<number[]> {
    const rows = await this.db.select<{ organization_id: number }>(
      `SELECT DISTINCT organization_id FROM ${OUTBOX_TABLE} ORDER BY organization_id`,
    );
    return rows.map((row) => Number(row.organization_id));
  }
}

function toEvent(row: EventRow): OutboxEvent {
  return {
    id: String(row.id),
    type: row.type,
    occurredAt: timestampFromDb(row.occurred_at) ?? '',
    actor: row.actor_id === null ? null : Number(row.actor_id),
    data: JSON.parse(row.data) as unknown,
  };
}

function organizationOf(scope: Scope): number {
  const organizationId = scope.organizationId;
  if (!Number.isSafeInteger(organizationId) || organizationId < 1) {
    throw new Error(`not a scope: organizationId ${String(organizationId)}`);
  }
  return organizationId;
}
