import { decodeCursor, encodeCursor } from '../pagination/cursor';
import type { Page } from '../pagination/page';
import type { Database, Reader, Transaction } from './database.service';
import type { SoftDeletableEntity } from './soft-deletable.entity';
import { timestampToDb } from './sql-values';
import type { EntityClass, Row, StoredRow, TableMapping } from './table-mapping';

/** A column filter for lists: rows whose column equals value. */
export type Filter<R> = { [K in keyof R]?: R[K] };

/** What an insert writes: a row less what the database and the soft-delete rules set. */
export type NewRow<R> = Omit<R, keyof Row<SoftDeletableEntity>>;

/**
 * The soft-delete rules in one place: reads see only rows with is_deleted = 0, and a soft
 * delete sets is_deleted, deleted_at and deleted_by together (and updated_at with them). Each
 * repository is this class on one entity, whose metadata gives the table and its columns. Every
 * method is one SQL statement; reads run on the Database (or the Reader they are given), locks
 * and writes in the Transaction they are given.
 */
export class SoftDeletableRepository<
  E extends SoftDeletableEntity,
  R extends StoredRow<E> = StoredRow<E>,
> {
  protected readonly mapping: TableMapping<R>;

  constructor(
    protected readonly db: Database,
    entity: EntityClass<E>,
  ) {
    this.mapping = db.table<E, R>(entity);
  }

  get table(): string {
    return this.mapping.table;
  }

  async findActive(id: number, reader: Reader = this.db): Promise<R | null> {
    const rows = await reader.select(
      `SELECT ${this.mapping.selectList} FROM ${this.mapping.table} WHERE id = ? AND is_deleted = 0`,
      [id],
    );
    return rows.length === 0 ? null : this.fromRow(rows[0]);
  }

  /** Reads an active row and locks it until the transaction ends. */
  async lockActive(tx: Transaction, id: number): Promise<R | null> {
    const rows = await tx.select(
      `SELECT ${this.mapping.selectList} FROM ${this.mapping.table} WHERE id = ? AND is_deleted = 0${tx.dialect.forUpdate}`,
      [id],
    );
    return rows.length === 0 ? null : this.fromRow(rows[0]);
  }

  /** Reads a row, deleted or not, and locks it until the transaction ends. */
  async lock(tx: Transaction, id: number): Promise<R | null> {
    const rows = await tx.select(
      `SELECT ${this.mapping.selectList} FROM ${this.mapping.table} WHERE id = ?${tx.dialect.forUpdate}`,
      [id],
    );
    return rows.length === 0 ? null : this.fromRow(rows[0]);
  }

  /** One keyset page of active rows in id order; fetches one row more to know if another page exists. */
  async findPage(filter: Filter<R>, limit: number, cursor: string | undefined): Promise<Page<R>> {
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
    const items = rows.slice(0, limit).map((row) => this.fromRow(row));
    const nextCursor = rows.length > limit ? encodeCursor(items[items.length - 1].id) : null;
    return { items, nextCursor };
  }

  /** How many active rows match filter. */
  async countActive(filter: Filter<R>): Promise<number> {
    const { where, params } = this.whereActive(filter);
    const [row] = await this.db.select<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${this.mapping.table} WHERE ${where.join(' AND ')}`,
      params,
    );
    return Number(row.n);
  }

  /** Inserts a row; the answer is built from the values written, without reading back. */
  async insert(tx: Transaction, values: NewRow<R>, now: Date): Promise<R> {
    const at = now.toISOString();
    const row = {
      ...values,
      createdAt: at,
      updatedAt: at,
      isDeleted: false,
      deletedAt: null,
      deletedBy: null,
    };
    const { columns, params } = this.mapping.toColumns(row);
    const { insertId } = await tx.execute(
      `INSERT INTO ${this.mapping.table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      params,
    );
    return this.mapping.ordered({ id: insertId, ...row } as R);
  }

  /** Writes changes to an active row already read (and locked) as current; answers the merged row. */
  async update(tx: Transaction, current: R, changes: Partial<R>, now: Date): Promise<R> {
    const updatedAt = now.toISOString();
    const present = stripUndefined({ ...changes, updatedAt });
    const { columns, params } = this.mapping.toColumns(present);
    await tx.execute(
      `UPDATE ${this.mapping.table} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ? AND is_deleted = 0`,
      [...params, current.id],
    );
    return { ...current, ...present };
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

  private fromRow(row: Record<string, unknown>): R {
    return this.mapping.fromRow(row);
  }

  private whereActive(filter: Filter<R>): { where: string[]; params: unknown[] } {
    const where = ['is_deleted = 0'];
    const params: unknown[] = [];
    for (const [property, value] of Object.entries(filter)) {
      if (value === undefined) continue;
      where.push(`${this.mapping.column(property)} = ?`);
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
