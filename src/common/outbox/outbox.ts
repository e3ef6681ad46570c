import { timestampToDb } from '../persistence/sql-values';
import { StatementTexts } from '../persistence/statement-texts';

/** The table of the transactional outbox (docs/schema.md). */
export const OUTBOX_TABLE = 'outbox_events';

/** One change, as the feed (`GET /events`) serves it; see README, "Consuming changes". */
export interface OutboxEvent {
  /** Increasing, as a string (consumers compare it as a number, never parse it as a float). */
  id: string;
  /** `<kind>.<verb>`: `workflow.created`, `todo.deleted`, `deletion.restored`... */
  type: string;
  occurredAt: string;
  /** The user id (the token's `sub`) that made the change; null for jobs (`npm run purge`). */
  actor: number | null;
  /** The resource as the API showed it in the answer to the change (a deletion: its record). */
  data: unknown;
}

/** What a transaction records for the outbox, written just before it commits. */
export interface PendingEvent {
  organizationId: number;
  type: string;
  actor: number | null;
  occurredAt: Date;
  data: unknown;
}

/**
 * The events of one transaction, held on its Transaction and written by one INSERT right before
 * the commit (Database.transaction): a rolled-back or re-run transaction writes none, and a
 * request writes one statement more whatever it changed (on MariaDB, sent with the COMMIT).
 */
export class OutboxBuffer {
  private readonly events: PendingEvent[] = [];

  add(event: PendingEvent): void {
    this.events.push(event);
  }

  get size(): number {
    return this.events.length;
  }

  /**
   * The INSERT of every pending event, in the order they were recorded; `json` serializes their
   * data (JSON.stringify, or the transaction's Transaction.json).
   */
  insert(json: (data: unknown) => string = JSON.stringify): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    for (const e of this.events) {
      params.push(e.organizationId, e.type, e.actor, timestampToDb(e.occurredAt), json(e.data));
    }
    return { sql: insertOf(this.events.length), params };
  }
}

/** The outbox INSERTs of 1 to 8 rows, made once each (a write records one or two events). */
const INSERTS = new StatementTexts<number>(8);

function insertOf(rows: number): string {
  return rows <= 8 ? INSERTS.of(rows, outboxInsert) : outboxInsert(rows);
}

function outboxInsert(rows: number): string {
  const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?)').join(', ');
  return `INSERT INTO ${OUTBOX_TABLE} (organization_id, type, actor_id, occurred_at, data) VALUES ${values}`;
}
