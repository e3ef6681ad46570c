import { decodeCursor, type CursorScope } from '../pagination/cursor';
import { pageOf, type Page } from '../pagination/page';
import { PreconditionFailedError } from '../errors/domain-errors';
import type { Database, Reader, Transaction } from './database.service';
import { etagMatches } from '../http/entity-tags';
import { versionOf, withNextVersion, withVersion } from './row-version';
import type { Scope } from './scope';
import type { SoftDeletableEntity } from './soft-deletable.entity';
import { isoTimestamp, timestampToDb } from './sql-values';
import { StatementTexts } from './statement-texts';
import type { EntityClass, Row, StoredRow, TableMapping } from './table-mapping';

/** A column filter for lists: rows whose column equals value. */
export type Filter<R> = { [K in keyof R]?: R[K] };

/** What an insert writes: a row less what the database and the soft-delete rules set. */
export type NewRow<R> = Omit<R, keyof Row<SoftDeletableEntity>>;

/**
 * The soft-delete rules and the organizations in one place: every statement is scoped to one
 * organization (each method takes a Scope first and its WHERE starts with `organization_id = ?`,
 * an insert writes it), reads see only rows with is_deleted = 0, and a soft delete sets
 * is_deleted, deleted_at and deleted_by together (and updated_at with them). Each repository is
 * this class on one entity, whose metadata gives the table and its columns. Every method is one
 * SQL statement; reads run on the Database (or the Reader they are given), locks and writes in
 * the Transaction they are given. A subclass's own statements use `scoped()` the same way.
 */
export class SoftDeletableRepository<
  E extends SoftDeletableEntity,
  R extends StoredRow<E> = StoredRow<E>,
> {
  protected readonly mapping: TableMapping<R>;
  /**
   * The texts of the writes' statements, made once per repository (and set of columns) rather
   * than on every request: lockActive's SELECT, and insert's and update's by their columns.
   */
  private lockActiveText: string | undefined;
  private readonly insertTexts = new StatementTexts<string>(64);
  private readonly updateTexts = new StatementTexts<string>(64);

  constructor(
    protected readonly db: Database,
    entity: EntityClass<E>,
  ) {
    this.mapping = db.table<E, R>(entity);
  }

  get table(): string {
    return this.mapping.table;
  }

  async findActive(scope: Scope, id: number, reader: Reader = this.db): Promise<R | null> {
    const { where, params } = this.scoped(scope, 'id = ? AND is_deleted = 0', id);
    const rows = await reader.select(
      `SELECT ${this.mapping.selectList} FROM ${this.mapping.table} WHERE ${where}`,
      params,
    );
    return rows.length === 0 ? null : this.fromRow(rows[0]);
  }

  /**
   * Reads an active row and locks it until the transaction ends. (Here and in insert and update,
   * the answer is made in a `then` of the statement's promise rather than after an await: no
   * async function of its own on the writes' path.)
   */
  lockActive(scope: Scope, tx: Transaction, id: number): Promise<R | null> {
    const { where, params } = this.scoped(scope, 'id = ? AND is_deleted = 0', id);
    this.lockActiveText ??= `SELECT ${this.mapping.selectList} FROM ${this.mapping.table} WHERE ${where}${tx.dialect.forUpdate}`;
    return tx
      .select(this.lockActiveText, params)
      .then((rows) =>
        rows.length === 0 ? null : this.checkedIfMatch(scope, this.fromRow(rows[0])),
      );
  }

  /**
   * Reads a row, deleted or not, and locks it until the transaction ends; with it, the deletion
   * that soft-deleted it (null when it is active, or was deleted outside the service), read by
   * the same statement, so that a restore makes one round trip fewer.
   */
  async lockWithDeletion(
    scope: Scope,
    tx: Transaction,
    id: number,
  ): Promise<{ row: R; deletionId: number | null } | null> {
    const { where, params } = this.scoped(scope, 'id = ?', id);
    const rows = await tx.select<Record<string, unknown> & { deletion_id: number | null }>(
      `SELECT ${this.mapping.selectList}, deletion_id FROM ${this.mapping.table} WHERE ${where}${tx.dialect.forUpdate}`,
      params,
    );
    if (rows.length === 0) return null;
    const row = this.checkedIfMatch(scope, this.fromRow(rows[0]));
    const deletionId = row.isDeleted ? rows[0].deletion_id : null;
    return { row, deletionId: deletionId === null ? null : Number(deletionId) };
  }

  /** One keyset page of active rows in id order; fetches one row more to know if another page exists. */
  async findPage(
    scope: Scope,
    filter: Filter<R>,
    limit: number,
    cursor: string | undefined,
  ): Promise<Page<R>> {
    const { where, params } = this.whereActive(scope, filter);
    return this.selectPage(where, params, { list: this.mapping.table, filter }, limit, cursor);
  }

  /** How many active rows match filter. */
  async countActive(scope: Scope, filter: Filter<R>): Promise<number> {
    const { where, params } = this.whereActive(scope, filter);
    const [row] = await this.db.select<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${this.mapping.table} WHERE ${where.join(' AND ')}`,
      params,
    );
    return Number(row.n);
  }

  /**
   * Inserts a row into the scope's organization; the answer is built from the values written,
   * without reading back.
   */
  insert(scope: Scope, tx: Transaction, values: NewRow<R>, now: Date): Promise<R> {
    const at = isoTimestamp(now);
    const row = {
      ...values,
      createdAt: at,
      updatedAt: at,
      isDeleted: false,
      deletedAt: null,
      deletedBy: null,
    };
    const { columns, params } = this.mapping.toColumns(row);
    columns.push('organization_id');
    params.push(scope.organizationId);
    return tx
      .execute(
        this.insertTexts.of(
          columns.join(','),
          () =>
            `INSERT INTO ${this.mapping.table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
        ),
        params,
      )
      .then(({ insertId }) =>
        // the column's default: a new row is at version 1
        withVersion(this.mapping.ordered({ id: insertId, ...row } as R), 1),
      );
  }

  /** Writes changes to an active row already read (and locked) as current; answers the merged row. */
  update(scope: Scope, tx: Transaction, current: R, changes: Partial<R>, now: Date): Promise<R> {
    const updatedAt = isoTimestamp(now);
    const present = stripUndefined({ ...changes, updatedAt });
    const { columns, params } = this.mapping.toColumns(present);
    const scoped = this.scoped(scope, 'id = ? AND is_deleted = 0', current.id);
    return tx
      .execute(
        this.updateTexts.of(
          columns.join(','),
          () =>
            `UPDATE ${this.mapping.table} SET ${columns.map((c) => `${c} = ?`).join(', ')}, version = version + 1 WHERE ${scoped.where}`,
        ),
        [...params, ...scoped.params],
      )
      .then(() => withNextVersion({ ...current, ...present }));
  }

  /**
   * Soft-deletes one active row on behalf of a user, as part of a deletion (the row's
   * deletion_id); answers false when there was none.
   */
  async softDelete(
    scope: Scope,
    tx: Transaction,
    id: number,
    at: Date,
    by: number,
    deletionId: number,
  ): Promise<boolean> {
    return (await this.softDeleteIds(scope, tx, [id], at, by, deletionId)) > 0;
  }

  /** Soft-deletes the active rows among `ids` in one UPDATE, as part of a deletion; answers how many. */
  async softDeleteIds(
    scope: Scope,
    tx: Transaction,
    ids: readonly number[],
    at: Date,
    by: number,
    deletionId: number,
  ): Promise<number> {
    const stamp = timestampToDb(at);
    const { where, params } = this.scoped(
      scope,
      `id IN (${ids.map(() => '?').join(', ')}) AND is_deleted = 0`,
      ...ids,
    );
    const { affected } = await tx.execute(
      `UPDATE ${this.mapping.table} SET is_deleted = 1, deleted_at = ?, deleted_by = ?, updated_at = ?, deletion_id = ?, version = version + 1 WHERE ${where}`,
      [stamp, by, stamp, deletionId, ...params],
    );
    return affected;
  }

  /**
   * The active rows among `ids`, locked until the transaction ends, in id order (as the API
   * shows them: a bulk delete's events carry them).
   */
  async lockActiveRows(scope: Scope, tx: Transaction, ids: readonly number[]): Promise<R[]> {
    const { where, params } = this.scoped(
      scope,
      `id IN (${ids.map(() => '?').join(', ')}) AND is_deleted = 0`,
      ...ids,
    );
    const rows = await tx.select(
      `SELECT ${this.mapping.selectList} FROM ${this.mapping.table} WHERE ${where} ORDER BY id${tx.dialect.forUpdate}`,
      params,
    );
    return rows.map((row) => this.fromRow(row));
  }

  /** Brings back, in one UPDATE, every row a deletion soft-deleted; answers how many. */
  async restoreDeletion(
    scope: Scope,
    tx: Transaction,
    deletionId: number,
    at: Date,
  ): Promise<number> {
    const { where, params } = this.scoped(scope, 'deletion_id = ? AND is_deleted = 1', deletionId);
    const { affected } = await tx.execute(
      `UPDATE ${this.mapping.table} SET is_deleted = 0, deleted_at = NULL, deleted_by = NULL, updated_at = ?, deletion_id = NULL, version = version + 1 WHERE ${where}`,
      [timestampToDb(at), ...params],
    );
    return affected;
  }

  /** Hard-deletes, in one DELETE, every row a deletion soft-deleted; answers how many. */
  async purgeDeletion(scope: Scope, tx: Transaction, deletionId: number): Promise<number> {
    const { where, params } = this.scoped(scope, 'deletion_id = ? AND is_deleted = 1', deletionId);
    const { affected } = await tx.execute(
      `DELETE FROM ${this.mapping.table} WHERE ${where}`,
      params,
    );
    return affected;
  }

  /**
   * One keyset page, in id order, of the rows a deletion soft-deleted (read through the
   * `(organization_id, deletion_id)` index, which holds the primary key: constant memory
   * however many rows the deletion has).
   */
  async findPageOfDeletion(
    scope: Scope,
    deletionId: number,
    limit: number,
    cursor: string | undefined,
  ): Promise<Page<R>> {
    const { where, params } = this.scoped(scope, 'deletion_id = ?', deletionId);
    const binding = { list: `${this.mapping.table} of a deletion`, filter: { deletionId } };
    return this.selectPage([where], params, binding, limit, cursor);
  }

  /** One keyset page in id order of the rows meeting `conditions`, its cursor bound to `binding`. */
  private async selectPage(
    conditions: string[],
    params: unknown[],
    binding: CursorScope,
    limit: number,
    cursor: string | undefined,
  ): Promise<Page<R>> {
    if (cursor !== undefined) {
      conditions.push('id > ?');
      params.push(decodeCursor(cursor, binding));
    }
    const rows = await this.db.select(
      `SELECT ${this.mapping.selectList} FROM ${this.mapping.table} WHERE ${conditions.join(' AND ')} ORDER BY id LIMIT ?`,
      [...params, limit + 1],
    );
    return pageOf(rows, limit, this.mapping.fromRow, binding);
  }

  /**
   * Hard-deletes up to `batch` rows soft-deleted before `cutoff`, oldest ids first; answers how
   * many. (Ids are read first: MySQL allows no LIMIT in an IN subquery, SQLite no DELETE LIMIT.)
   */
  async purgeDeletedBefore(
    scope: Scope,
    tx: Transaction,
    cutoff: Date,
    batch: number,
  ): Promise<number> {
    const old = this.scoped(scope, 'is_deleted = 1 AND deleted_at < ?', timestampToDb(cutoff));
    const rows = await tx.select<{ id: number }>(
      `SELECT id FROM ${this.mapping.table} WHERE ${old.where} ORDER BY id LIMIT ?`,
      [...old.params, batch],
    );
    if (rows.length === 0) return 0;
    const ids = rows.map((row) => Number(row.id));
    const { where, params } = this.scoped(
      scope,
      `id IN (${ids.map(() => '?').join(', ')}) AND is_deleted = 1`,
      ...ids,
    );
    const { affected } = await tx.execute(
      `DELETE FROM ${this.mapping.table} WHERE ${where}`,
      params,
    );
    return affected;
  }

  /** How many rows were soft-deleted before `cutoff`. */
  async countDeletedBefore(scope: Scope, cutoff: Date): Promise<number> {
    const { where, params } = this.scoped(
      scope,
      'is_deleted = 1 AND deleted_at < ?',
      timestampToDb(cutoff),
    );
    const [row] = await this.db.select<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${this.mapping.table} WHERE ${where}`,
      params,
    );
    return Number(row.n);
  }

  /**
   * The organizations that have rows in this table, in id order: the one statement that reads
   * across organizations, for operators' tools that then act on each organization in turn
   * (`npm run purge`). No route calls it.
   */
  async organizationIds(): Promise<number[]> {
    const rows = await this.db.select<{ organization_id: number }>(
      `SELECT DISTINCT organization_id FROM ${this.mapping.table} ORDER BY organization_id`,
    );
    return rows.map((row) => Number(row.organization_id));
  }

  /**
   * `organization_id = ? AND <condition>` and its parameters: the WHERE of every statement, so
   * that none reads or writes outside the scope's organization. `alias` qualifies the column
   * in a statement that joins tables.
   */
  protected scoped(
    scope: Scope,
    condition: string,
    ...values: unknown[]
  ): { where: string; params: unknown[] } {
    return this.scopedAs('', scope, condition, ...values);
  }

  protected scopedAs(
    alias: string,
    scope: Scope,
    condition: string,
    ...values: unknown[]
  ): { where: string; params: unknown[] } {
    const organizationId = scope.organizationId;
    if (!Number.isSafeInteger(organizationId) || organizationId < 1) {
      throw new Error(`not a scope: organizationId ${String(organizationId)}`);
    }
    const column = alias === '' ? 'organization_id' : `${alias}.organization_id`;
    return { where: `${column} = ? AND ${condition}`, params: [organizationId, ...values] };
  }

  /**
   * The request's If-Match, checked under the lock against the row of the route's id (the routes
   * lock with lock() and lockActive() only the row they act on), so that of two writes sent with
   * the same tag exactly one passes: 412 when none of its tags is the row's.
   */
  private checkedIfMatch(scope: Scope, row: R): R {
    const ifMatch = scope.request?.ifMatch;
    if (!ifMatch || ifMatch.id !== row.id) return row;
    if (!etagMatches(ifMatch.tags, versionOf(row), false)) {
      throw new PreconditionFailedError(
        'If-Match does not match the current ETag; read the resource again and retry with its ETag',
      );
    }
    return row;
  }

  private fromRow(row: Record<string, unknown>): R {
    return this.mapping.fromRow(row);
  }

  private whereActive(scope: Scope, filter: Filter<R>): { where: string[]; params: unknown[] } {
    const scoped = this.scoped(scope, 'is_deleted = 0');
    const where = [scoped.where];
    const params: unknown[] = scoped.params;
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
