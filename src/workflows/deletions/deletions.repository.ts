import { Injectable } from '@nestjs/common';
import { decodeCursor } from '../../common/pagination/cursor';
import { pageOf, type Page } from '../../common/pagination/page';
import { Database, type Reader, type Transaction } from '../../common/persistence/database.service';
import type { Scope } from '../../common/persistence/scope';
import { timestampFromDb, timestampToDb } from '../../common/persistence/sql-values';

/** Rows per kind: `workflows` and each linked kind's name. */
export type DeletionCounts = Record<string, number> & { workflows: number };

/** A deletion as the API shows it (docs/api.md, "Deletions"). */
export interface Deletion {
  id: number;
  resource: string;
  ids: number[];
  reason: string | null;
  deletedAt: string;
  deletedBy: number | null;
  /** Rows soft-deleted per kind, the direct ones included. */
  counts: DeletionCounts;
  restoredAt: string | null;
  restoredBy: number | null;
  purgedAt: string | null;
}

export interface NewDeletion {
  resource: string;
  ids: number[];
  reason: string | null;
  counts: Record<string, number>;
  deletedAt: Date;
  deletedBy: number;
}

/** The trash's filters (GET /deletions). */
export interface DeletionFilter {
  resource?: string;
  deletedBy?: number;
  restored?: boolean;
  since?: Date;
  until?: Date;
}

interface DeletionRow {
  id: number;
  resource: string;
  ids: string;
  reason: string | null;
  counts: string;
  deleted_at: unknown;
  deleted_by: number | null;
  restored_at: unknown;
  restored_by: number | null;
  purged_at: unknown;
}

const COLUMNS =
  'id, resource, ids, reason, counts, deleted_at, deleted_by, restored_at, restored_by, purged_at';

/**
 * The `deletions` table: one row per soft delete. Every statement is scoped to one organization
 * (`organization_id = ?` first, as SoftDeletableRepository's), one statement per method.
 */
const SET_COUNTS = 'UPDATE deletions SET counts = ? WHERE organization_id = ? AND id = ?';

@Injectable()
export class DeletionsRepository {
  readonly table = 'deletions';

  constructor(private readonly db: Database) {}

  /** Inserts a record in the scope's organization; answers its id. */
  async insert(scope: Scope, tx: Transaction, deletion: NewDeletion): Promise<number> {
    const { insertId } = await tx.execute(
      `INSERT INTO deletions (organization_id, resource, ids, reason, counts, deleted_at, deleted_by)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        organization(scope),
        deletion.resource,
        JSON.stringify(deletion.ids),
        deletion.reason,
        JSON.stringify(deletion.counts),
        timestampToDb(deletion.deletedAt),
        deletion.deletedBy,
      ],
    );
    return insertId;
  }

  /** Writes the counts of a cascade, known only once its UPDATEs ran. */
  async setCounts(
    scope: Scope,
    tx: Transaction,
    id: number,
    counts: Record<string, number>,
  ): Promise<void> {
    await tx.execute(SET_COUNTS, [JSON.stringify(counts), organization(scope), id]);
  }

  /**
   * The same write as setCounts, run at the commit (Transaction.writeAtCommit: on MariaDB in the
   * COMMIT's round trip), for a transaction that reads the record no more: one round trip less.
   * The record was inserted in this transaction, so the UPDATE finds its row (the connection's
   * affected rows count the rows found: mysql2's FOUND_ROWS, SQLite's changes).
   */
  setCountsAtCommit(
    scope: Scope,
    tx: Transaction,
    id: number,
    counts: Record<string, number>,
  ): void {
    tx.writeAtCommit(
      SET_COUNTS,
      [JSON.stringify(counts), organization(scope), id],
      () => new Error(`deletion ${id}: its record vanished before its counts were written`),
    );
  }

  async find(scope: Scope, id: number, reader: Reader = this.db): Promise<Deletion | null> {
    const rows = await reader.select<DeletionRow>(
      `SELECT ${COLUMNS} FROM deletions WHERE organization_id = ? AND id = ?`,
      [organization(scope), id],
    );
    return rows.length === 0 ? null : fromRow(rows[0]);
  }

  /** Reads a record and locks it until the transaction ends (two restores of it run one by one). */
  async lock(scope: Scope, tx: Transaction, id: number): Promise<Deletion | null> {
    const rows = await tx.select<DeletionRow>(
      `SELECT ${COLUMNS} FROM deletions WHERE organization_id = ? AND id = ?${tx.dialect.forUpdate}`,
      [organization(scope), id],
    );
    return rows.length === 0 ? null : fromRow(rows[0]);
  }

  /** One keyset page, newest first (id descending), through an index that leads with organization_id. */
  async findPage(
    scope: Scope,
    filter: DeletionFilter,
    limit: number,
    cursor: string | undefined,
  ): Promise<Page<Deletion>> {
    const where = ['organization_id = ?'];
    const params: unknown[] = [organization(scope)];
    if (filter.resource !== undefined) {
      where.push('resource = ?');
      params.push(filter.resource);
    }
    if (filter.deletedBy !== undefined) {
      where.push('deleted_by = ?');
      params.push(filter.deletedBy);
    }
    if (filter.restored !== undefined) {
      where.push(filter.restored ? 'restored_at IS NOT NULL' : 'restored_at IS NULL');
    }
    if (filter.since !== undefined) {
      where.push('deleted_at >= ?');
      params.push(timestampToDb(filter.since));
    }
    if (filter.until !== undefined) {
      where.push('deleted_at < ?');
      params.push(timestampToDb(filter.until));
    }
    // the cursor is bound to the filter; dates as the client sent them, to the millisecond
    const binding = {
      list: 'deletions',
      filter: { ...filter, since: filter.since?.toISOString(), until: filter.until?.toISOString() },
    };
    if (cursor !== undefined) {
      where.push('id < ?');
      params.push(decodeCursor(cursor, binding));
    }
    const rows = await this.db.select<DeletionRow>(
      `SELECT ${COLUMNS} FROM deletions WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`,
      [...params, limit + 1],
    );
    return pageOf(rows, limit, fromRow, binding);
  }

  async markRestored(
    scope: Scope,
    tx: Transaction,
    id: number,
    at: Date,
    by: number,
  ): Promise<void> {
    await tx.execute(
      'UPDATE deletions SET restored_at = ?, restored_by = ? WHERE organization_id = ? AND id = ?',
      [timestampToDb(at), by, organization(scope), id],
    );
  }

  async markPurged(scope: Scope, tx: Transaction, id: number, at: Date): Promise<void> {
    await tx.execute('UPDATE deletions SET purged_at = ? WHERE organization_id = ? AND id = ?', [
      timestampToDb(at),
      organization(scope),
      id,
    ]);
  }

  /**
   * Retention: sets purged_at on every deletion neither restored nor purged that no longer has a
   * row in any of `tables` (its rows were hard-deleted); answers how many. One UPDATE.
   */
  async markPurgedWhereEmpty(
    scope: Scope,
    tx: Transaction,
    tables: readonly string[],
    at: Date,
  ): Promise<Deletion[]> {
    const org = organization(scope);
    const none = tables.map(
      (table) =>
        `NOT EXISTS (SELECT 1 FROM ${table} r WHERE r.organization_id = ? AND r.deletion_id = deletions.id)`,
    );
    // the records first (locked), for their events; then one UPDATE of exactly those
    const rows = await tx.select<DeletionRow>(
      `SELECT ${COLUMNS} FROM deletions
        WHERE organization_id = ? AND purged_at IS NULL AND restored_at IS NULL AND ${none.join(' AND ')}
        ORDER BY id${tx.dialect.forUpdate}`,
      [org, ...tables.map(() => org)],
    );
    if (rows.length === 0) return [];
    const records = rows.map(fromRow);
    await tx.execute(
      `UPDATE deletions SET purged_at = ?
        WHERE organization_id = ? AND id IN (${records.map(() => '?').join(', ')})`,
      [timestampToDb(at), org, ...records.map((record) => record.id)],
    );
    const purgedAt = at.toISOString();
    return records.map((record) => ({ ...record, purgedAt }));
  }
}

/** A deletion's record as GET /deletions/:id shows it right after its INSERT. */
export function newDeletionRecord(id: number, deletion: NewDeletion): Deletion {
  return {
    id,
    resource: deletion.resource,
    ids: deletion.ids,
    reason: deletion.reason,
    deletedAt: deletion.deletedAt.toISOString(),
    deletedBy: deletion.deletedBy,
    counts: { workflows: 0, ...deletion.counts },
    restoredAt: null,
    restoredBy: null,
    purgedAt: null,
  };
}

function organization(scope: Scope): number {
  const id = scope.organizationId;
  if (!Number.isSafeInteger(id) || id < 1)
    throw new Error(`not a scope: organizationId ${String(id)}`);
  return id;
}

function fromRow(row: DeletionRow): Deletion {
  return {
    id: Number(row.id),
    resource: row.resource,
    ids: (JSON.parse(row.ids) as unknown[]).map(Number),
    reason: row.reason,
    deletedAt: timestampFromDb(row.deleted_at) as string,
    deletedBy: row.deleted_by === null ? null : Number(row.deleted_by),
    counts: { workflows: 0, ...(JSON.parse(row.counts) as Record<string, number>) },
    restoredAt: timestampFromDb(row.restored_at),
    restoredBy: row.restored_by === null ? null : Number(row.restored_by),
    purgedAt: timestampFromDb(row.purged_at),
  };
}
