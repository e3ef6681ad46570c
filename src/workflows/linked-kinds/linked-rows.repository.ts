import type { Database, Reader, Transaction } from '../../common/persistence/database.service';
import type { Scope } from '../../common/persistence/scope';
import { SoftDeletableRepository } from '../../common/persistence/soft-deletable.repository';
import { withNextVersion } from '../../common/persistence/row-version';
import { timestampFromDb, timestampToDb } from '../../common/persistence/sql-values';
import { decodeCursor, encodeCursor } from '../../common/pagination/cursor';
import { WorkflowEntity } from '../entities/workflow.entity';
import type { Row, StoredRow } from '../../common/persistence/table-mapping';
import type { LinkedKind } from './linked-kind';
import type { WorkflowLinkedEntity } from './workflow-linked.entity';

/** A row of a linked kind E, its link to a workflow known to the compiler. */
export type LinkedRow<E extends WorkflowLinkedEntity> = StoredRow<E> & Row<WorkflowLinkedEntity>;

/** Why an active row's link is broken. */
export type OrphanReason = 'deleted_workflow' | 'missing_workflow';

export interface Orphan {
  id: number;
  workflowId: number;
  reason: OrphanReason;
}

export interface OrphanReport {
  deletedWorkflow: number;
  missingWorkflow: number;
  items: Orphan[];
  /** The cursor of the next page of items, or null on the last. */
  nextCursor: string | null;
}

/**
 * The rows a repair changed, as it left them: active rows soft-deleted with their deleted
 * workflow (with their `deletionId`), active rows unlinked; and how many rows it unlinked in all
 * (soft-deleted rows too, which the API shows in their deletion's rows only).
 */
export interface RepairedRows<E extends WorkflowLinkedEntity> {
  softDeleted: Array<LinkedRow<E> & { deletionId: number | null }>;
  unlinked: LinkedRow<E>[];
  unlinkedCount: number;
}

/** What a repair changed: rows soft-deleted with their deleted workflow, rows unlinked. */
export interface OrphanRepair {
  softDeleted: number;
  unlinked: number;
}

/**
 * The statements of one linked kind that concern its workflow: the set-based cascade of a
 * workflow's delete (recording its deletion in every row it deletes, so that restoring the
 * deletion brings back exactly those: SoftDeletableRepository.restoreDeletion), the guard of a
 * restore of the kind's own deletions, and the orphan checks. Every statement is
 * scoped to one organization, like those it inherits; a workflow of another organization is, to
 * the orphan checks, a missing one.
 */
export class LinkedRowsRepository<E extends WorkflowLinkedEntity> extends SoftDeletableRepository<
  E,
  LinkedRow<E>
> {
  private readonly workflows: string;

  constructor(db: Database, kind: LinkedKind<E>) {
    super(db, kind.entity);
    this.workflows = db.table(WorkflowEntity).table;
  }

  /**
   * The cascade: one UPDATE however many rows link to the workflows, recording the deletion in
   * each row; answers how many it soft-deleted.
   */
  async softDeleteWithWorkflows(
    scope: Scope,
    tx: Transaction,
    workflowIds: readonly number[],
    at: Date,
    by: number,
    deletionId: number,
  ): Promise<number> {
    const stamp = timestampToDb(at);
    const { where, params } = this.scoped(
      scope,
      `workflow_id IN (${workflowIds.map(() => '?').join(', ')}) AND is_deleted = 0`,
      ...workflowIds,
    );
    const { affected } = await tx.execute(
      `UPDATE ${this.table} SET is_deleted = 1, deleted_at = ?, deleted_by = ?, updated_at = ?, deletion_id = ?, version = version + 1
        WHERE ${where}`,
      [stamp, by, stamp, deletionId, ...params],
    );
    return affected;
  }

  /** What the cascade of these workflows would soft-delete: one COUNT (a delete's preview). */
  async countLinkedActive(
    scope: Scope,
    reader: Reader,
    workflowIds: readonly number[],
  ): Promise<number> {
    const { where, params } = this.scoped(
      scope,
      `workflow_id IN (${workflowIds.map(() => '?').join(', ')}) AND is_deleted = 0`,
      ...workflowIds,
    );
    const [row] = await reader.select<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${this.table} WHERE ${where}`,
      params,
    );
    return Number(row.n);
  }

  /**
   * Before a deletion of rows of this kind is restored: reads, and locks until the transaction
   * ends, the workflows its rows link to, and no other: first the deletion's rows (through the
   * `(organization_id, deletion_id)` index), then those workflows by their primary key. Answers
   * the first deleted one, with the deletion that deleted it (the restore must then be refused);
   * otherwise writes them (link_version + 1, as a link does), so that on a multi-primary cluster,
   * where row locks are local to a node, a delete of one of them on another node conflicts with
   * the restore at certification.
   *
   * Neither an UPDATE of the workflows `WHERE id IN (SELECT workflow_id FROM <kind> ...)`, whose
   * subquery MariaDB 10.11 runs once per workflow of a scan (it read and locked every workflow of
   * the organization, or of the table, until the restore's commit: 0.26 to 0.9 s at 200,000, and
   * every write to any of them waiting meanwhile), nor one locking read joining the two tables,
   * whose join order, and so what it locks, is the optimizer's (docs/performance.md, "The
   * restore of a child's deletion locked every workflow").
   */
  async lockWorkflowsOfDeletion(
    scope: Scope,
    tx: Transaction,
    deletionId: number,
  ): Promise<{ workflowId: number; deletionId: number | null } | null> {
    const ofDeletion = this.scoped(
      scope,
      'deletion_id = ? AND workflow_id IS NOT NULL',
      deletionId,
    );
    const rows = await tx.select<{ workflow_id: number }>(
      `SELECT workflow_id FROM ${this.table} WHERE ${ofDeletion.where}${tx.dialect.forUpdate}`,
      ofDeletion.params,
    );
    const ids = [...new Set(rows.map((row) => Number(row.workflow_id)))];
    if (ids.length === 0) return null;
    const linked = this.scoped(scope, `id IN (${ids.map(() => '?').join(', ')})`, ...ids);
    const workflows = await tx.select<{
      id: number;
      is_deleted: number;
      deletion_id: number | null;
    }>(
      `SELECT id, is_deleted, deletion_id FROM ${this.workflows} WHERE ${linked.where} ORDER BY id${tx.dialect.forUpdate}`,
      linked.params,
    );
    const deleted = workflows.find((row) => Number(row.is_deleted) === 1);
    if (deleted) {
      return {
        workflowId: Number(deleted.id),
        deletionId: deleted.deletion_id === null ? null : Number(deleted.deletion_id),
      };
    }
    await tx.execute(
      // updated_at = updated_at: a restored child does not change the workflow as clients see it
      `UPDATE ${this.workflows} SET link_version = link_version + 1, updated_at = updated_at, version = version + 1 WHERE ${linked.where} AND is_deleted = 0`,
      linked.params,
    );
    return null;
  }

  /**
   * Active rows whose workflow is soft-deleted (a cascade that never ran, e.g. rows written by
   * hand) or missing (possible only where foreign key checks were bypassed), in id order.
   */
  async findOrphans(
    scope: Scope,
    limit: number,
    cursor: string | undefined,
  ): Promise<OrphanReport> {
    const { where, params } = this.scopedAs(
      'c',
      scope,
      'c.is_deleted = 0 AND c.workflow_id IS NOT NULL AND (w.id IS NULL OR w.is_deleted = 1)',
    );
    const binding = { list: `${this.table} orphans`, filter: {} };
    const after = cursor === undefined ? 0 : decodeCursor(cursor, binding);
    // a workflow of another organization is missing, as far as this organization can tell
    const orphans = `FROM ${this.table} c
      LEFT JOIN ${this.workflows} w ON w.id = c.workflow_id AND w.organization_id = c.organization_id
      WHERE ${where}`;
    const missing = 'CASE WHEN w.id IS NULL THEN 1 ELSE 0 END';
    const [items, counts] = await Promise.all([
      this.db.select<{ id: number; workflow_id: number; missing: number }>(
        `SELECT c.id, c.workflow_id, ${missing} AS missing ${orphans} AND c.id > ? ORDER BY c.id LIMIT ?`,
        [...params, after, limit + 1],
      ),
      this.db.select<{ missing: number; n: number }>(
        `SELECT ${missing} AS missing, COUNT(*) AS n ${orphans} GROUP BY ${missing}`,
        params,
      ),
    ]);
    const count = (kind: number) => Number(counts.find((c) => Number(c.missing) === kind)?.n ?? 0);
    return {
      deletedWorkflow: count(0),
      missingWorkflow: count(1),
      items: items.slice(0, limit).map((row) => ({
        id: Number(row.id),
        workflowId: Number(row.workflow_id),
        reason: Number(row.missing) === 1 ? 'missing_workflow' : 'deleted_workflow',
      })),
      nextCursor: items.length > limit ? encodeCursor(Number(items[limit - 1].id), binding) : null,
    };
  }

  /**
   * How many active rows of deleted workflows (those repairOrphans will soft-delete) each of those
   * workflows' deletions will gain.
   */
  async countOrphansByDeletion(
    scope: Scope,
    tx: Transaction,
  ): Promise<Array<{ deletionId: number; count: number }>> {
    const { where, params } = this.scopedAs('c', scope, 'c.is_deleted = 0 AND w.is_deleted = 1');
    const rows = await tx.select<{ deletion_id: number | null; n: number }>(
      `SELECT w.deletion_id, COUNT(*) AS n FROM ${this.table} c
         JOIN ${this.workflows} w ON w.id = c.workflow_id AND w.organization_id = c.organization_id
        WHERE ${where} GROUP BY w.deletion_id`,
      params,
    );
    return rows
      .filter((row) => row.deletion_id !== null)
      .map((row) => ({ deletionId: Number(row.deletion_id), count: Number(row.n) }));
  }

  /**
   * Soft-deletes the active rows of deleted workflows as their cascade would have (with the
   * workflow's deleted_at, in the workflow's deletion, so that restoring it brings them back),
   * and unlinks every row whose workflow no longer exists. Answers the active rows it changed,
   * as it left them (read and locked first: their events carry them).
   */
  async repairOrphans(
    scope: Scope,
    tx: Transaction,
    at: Date,
    by: number,
  ): Promise<RepairedRows<E>> {
    const table = this.table;
    const stamp = timestampToDb(at);
    const updatedAt = at.toISOString();
    const org = scope.organizationId;
    const deleted = this.scoped(
      scope,
      `is_deleted = 0 AND workflow_id IN (SELECT id FROM ${this.workflows} WHERE organization_id = ? AND is_deleted = 1)`,
      org,
    );
    const ofWorkflow = (column: string) =>
      `(SELECT w.${column} FROM ${this.workflows} w WHERE w.id = ${table}.workflow_id AND w.organization_id = ?)`;
    const orphans = await tx.select<Record<string, unknown>>(
      `SELECT ${this.mapping.selectList}, ${ofWorkflow('deleted_at')} AS workflow_deleted_at,
              ${ofWorkflow('deletion_id')} AS workflow_deletion_id
         FROM ${table} WHERE ${deleted.where} ORDER BY id${tx.dialect.forUpdate}`,
      [org, org, ...deleted.params],
    );
    await tx.execute(
      `UPDATE ${table}
          SET is_deleted = 1, deleted_by = ?, updated_at = ?, version = version + 1,
              deleted_at = ${ofWorkflow('deleted_at')}, deletion_id = ${ofWorkflow('deletion_id')}
        WHERE ${deleted.where}`,
      [by, stamp, org, org, ...deleted.params],
    );
    const missing = this.scoped(
      scope,
      `workflow_id IS NOT NULL AND workflow_id NOT IN (SELECT id FROM ${this.workflows} WHERE organization_id = ?)`,
      org,
    );
    const strays = await tx.select<Record<string, unknown>>(
      `SELECT ${this.mapping.selectList} FROM ${table} WHERE ${missing.where} AND is_deleted = 0 ORDER BY id${tx.dialect.forUpdate}`,
      missing.params,
    );
    const unlinked = await tx.execute(
      `UPDATE ${table} SET workflow_id = NULL, updated_at = ?, version = version + 1 WHERE ${missing.where}`,
      [stamp, ...missing.params],
    );
    return {
      softDeleted: orphans.map((row) => ({
        ...withNextVersion(this.mapping.fromRow(row)),
        updatedAt,
        isDeleted: true,
        deletedAt: timestampFromDb(row.workflow_deleted_at),
        deletedBy: by,
        deletionId: row.workflow_deletion_id === null ? null : Number(row.workflow_deletion_id),
      })),
      unlinked: strays.map((row) => ({
        ...withNextVersion(this.mapping.fromRow(row)),
        workflowId: null,
        updatedAt,
      })),
      unlinkedCount: unlinked.affected,
    };
  }
}
