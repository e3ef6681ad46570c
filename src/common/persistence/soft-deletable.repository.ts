import { decodeCursor, encodeCursor } from '../pagination/cursor';
import type { Page } from '../pagination/page';
import { Database, type Transaction } from './database.service';
import { timestampToDb } from './sql-values';
import type { SoftDeletable, TableMapping } from './table-mapping';

/** A column filter for lists: rows whose column equals value. */
export type Filter<T> = Partial<Record<keyof T & string, unknown>>;

/**
 * The soft-delete rules in one place: reads see only rows with is_deleted = 0, and a soft
 * delete sets is_deleted and deleted_at together (and updated_at with them). Each module's
 * repository extends this with its table's mapping. Every method is one SQL statement; reads
 * run on the pool, locks and writes in the Transaction they are given.
 */
export abstract class SoftDeletableRepository<T extends SoftDeletable> {
  protected constructor(
    protected readonly db: Database,
    protected readonly mapping: TableMapping<T>,
  ) {}

  async findActive(id: number): Promise<T | null> {
    const rows = await this.db.select(
      `SELECT ${this.mapping.selectList} FROM ${this.mapping.table} WHERE id = ? AND is_deleted = 0`,
      [id],
    );
    return rows.length === 0 ? null : this.mapping.fromRow(rows[0]);
  }

  /** Reads an active row and locks it until the transaction ends. */
  async lockActive(tx: Transaction, id: number): Promise<T | null> {
    const rows = await tx.select(
      `SELECT ${this.mapping.selectList} FROM ${this.mapping.table} WHERE id = ? AND is_deleted = 0${tx.dialect.forUpdate}`,
      [id],
    );
    return rows.length === 0 ? null : this.mapping.fromRow(rows[0]);
  }

  /** Reads a row, deleted or not, and locks it until the transaction ends. */
  async lock(tx: Transaction, id: number): Promise<T | null> {
    const rows = await tx.select(
      `SELECT ${this.mapping.selectList} FROM ${this.mapping.table} WHERE id = ?${tx.dialect.forUpdate}`,
      [id],
    );
    return rows.length === 0 ? null : this.mapping.fromRow(rows[0]);
  }

  /** One keyset page of active rows in id order; fetches one row more to know if another page exists. */
  async findPage(filter: Filter<T>, limit: number, cursor: string | undefined): Promise<Page<T>> {
    const { where, params } = this.whereActive(filter);
    if (cursor !== undefined) {
      where.push('id > ?');
      params.push(decodeCursor(cursor));
    }
    params.push(limit + 1);
    const rows = await this.db.select(
      `SELECT ${this.mapping.selectList} FROM ${this.mapping.table} WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`,
      params,
    );
    const items = rows.slice(0, limit).map((row) => this.mapping.fromRow(row));
    const nextCursor = rows.length > limit ? encodeCursor(items[items.length - 1].id) : null;
    return { items, nextCursor };
  }

  /** Every active row matching filter, in id order. */
  async findAllActive(filter: Filter<T>): Promise<T[]> {
    const { where, params } = this.whereActive(filter);
    const rows = await this.db.select(
      `SELECT ${this.mapping.selectList} FROM ${this.mapping.table} WHERE ${where.join(' AND ')} ORDER BY id`,
      params,
    );
    return rows.map((row) => this.mapping.fromRow(row));
  }

  /** Inserts a row; the answer is built from the values written, without reading back. */
  async insert(tx: Transaction, values: Omit<T, keyof SoftDeletable>, now: Date): Promise<T> {
    const at = now.toISOString();
    const row = {
      ...values,
      createdAt: at,
      updatedAt: at,
      isDeleted: false,
      deletedAt: null,
      deletedBy: null,
    };
    const { columns, params } = this.mapping.toColumns(row as Partial<T>);
    const { insertId } = await tx.execute(
      `INSERT INTO ${this.mapping.table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      params,
    );
    return this.mapping.ordered({ id: insertId, ...row } as T);
  }

  /** Writes changes to an active row already read (and locked) as current; answers the merged row. */
  async update(tx: Transaction, current: T, changes: Partial<T>, now: Date): Promise<T> {
    const merged = { ...current, ...stripUndefined(changes), updatedAt: now.toISOString() };
    const { columns, params } = this.mapping.toColumns({ ...changes, updatedAt: merged.updatedAt });
    await tx.execute(
      `UPDATE ${this.mapping.table} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ? AND is_deleted = 0`,
      [...params, current.id],
    );
    return merged;
  }

  /** Soft-deletes one active row on behalf of a user; answers false when there was none. */
  async softDelete(tx: Transaction, id: number, at: Date, by: number): Promise<boolean> {
    const stamp = timestampToDb(at);
    const { affected } = await tx.execute(
      `UPDATE ${this.mapping.table} SET is_deleted = 1, deleted_at = ?, deleted_by = ?, updated_at = ? WHERE id = ? AND is_deleted = 0`,
      [stamp, by, stamp, id],
    );
    return affected > 0;
  }

  /** Brings back one soft-deleted row; answers false when there was none. */
  async restore(tx: Transaction, id: number, at: Date): Promise<boolean> {
    const { affected } = await tx.execute(
      `UPDATE ${this.mapping.table} SET is_deleted = 0, deleted_at = NULL, deleted_by = NULL, updated_at = ? WHERE id = ? AND is_deleted = 1`,
      [timestampToDb(at), id],
    );
    return affected > 0;
  }

  /**
   * Hard-deletes up to `batch` rows soft-deleted before `cutoff`, oldest ids first; answers how
   * many. (Ids are read first: MySQL allows no LIMIT in an IN subquery, SQLite no DELETE LIMIT.)
   */
  async purgeDeletedBefore(tx: Transaction, cutoff: Date, batch: number): Promise<number> {
    const rows = await tx.select<{ id: number }>(
      `SELECT id FROM ${this.mapping.table} WHERE is_deleted = 1 AND deleted_at < ? ORDER BY id LIMIT ?`,
      [timestampToDb(cutoff), batch],
    );
    if (rows.length === 0) return 0;
    const ids = rows.map((row) => Number(row.id));
    const { affected } = await tx.execute(
      `DELETE FROM ${this.mapping.table} WHERE id IN (${ids.map(() => '?').join(', ')}) AND is_deleted = 1`,
      ids,
    );
    return affected;
  }

  /** How many rows were soft-deleted before `cutoff`. */
  async countDeletedBefore(cutoff: Date): Promise<number> {
    const [row] = await this.db.select<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${this.mapping.table} WHERE is_deleted = 1 AND deleted_at < ?`,
      [timestampToDb(cutoff)],
    );
    return Number(row.n);
  }

  private whereActive(filter: Filter<T>): { where: string[]; params: unknown[] } {
    const where = ['is_deleted = 0'];
    const params: unknown[] = [];
    for (const [property, value] of Object.entries(filter)) {
      if (value === undefined) continue;
      where.push(`${this.mapping.column(property as keyof T & string)} = ?`);
      params.push(value);
    }
    return { where, params };
  }
}

function stripUndefined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
