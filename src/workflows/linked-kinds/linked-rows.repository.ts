import type { Database, Transaction } from '../../common/persistence/database.service';
import type { Scope } from '../../common/persistence/scope';
import { SoftDeletableRepository } from '../../common/persistence/soft-deletable.repository';
import { timestampToDb } from '../../common/persistence/sql-values';
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
}

/** What a repair changed: rows soft-deleted with their deleted workflow, rows unlinked. */
export interface OrphanRepair {
  softDeleted: number;
  unlinked: number;
}

/**
 * The statements of one linked kind that concern its workflow: the set-based cascade of a
 * workflow's delete and of its restore, and the orphan checks. The cascade marks the rows it
 * deletes (deleted_with_workflow = 1); the restore brings back exactly those. Every statement is
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

  /** One UPDATE however many rows are linked; answers how many it soft-deleted. */
  async softDeleteWithWorkflow(
    scope: Scope,
    tx: Transaction,
    workflowId: number,
    at: Date,
    by: number,
  ): Promise<number> {
    const stamp = timestampToDb(at);
    const { where, params } = this.scoped(scope, 'workflow_id = ? AND is_deleted = 0', workflowId);
    const { affected } = await tx.execute(
      `UPDATE ${this.table} SET is_deleted = 1, deleted_at = ?, deleted_by = ?, updated_at = ?, deleted_with_workflow = 1, version = version + 1
        WHERE ${where}`,
      [stamp, by, stamp, ...params],
    );
    return affected;
  }

  /** One UPDATE: the rows the workflow's cascade deleted become active again. */
  async restoreWithWorkflow(
    scope: Scope,
    tx: Transaction,
    workflowId: number,
    at: Date,
  ): Promise<number> {
    const { where, params } = this.scoped(
      scope,
      'workflow_id = ? AND is_deleted = 1 AND deleted_with_workflow = 1',
      workflowId,
    );
    const { affected } = await tx.execute(
      `UPDATE ${this.table} SET is_deleted = 0, deleted_at = NULL, deleted_by = NULL, updated_at = ?, deleted_with_workflow = 0, version = version + 1
        WHERE ${where}`,
      [timestampToDb(at), ...params],
    );
    return affected;
  }

  /**
   * Active rows whose workflow is soft-deleted (a cascade that never ran, e.g. rows written by
   * hand) or missing (possible only where foreign key checks were bypassed), in id order.
   */
  async findOrphans(scope: Scope, limit: number): Promise<OrphanReport> {
    const { where, params } = this.scopedAs(
      'c',
      scope,
      'c.is_deleted = 0 AND c.workflow_id IS NOT NULL AND (w.id IS NULL OR w.is_deleted = 1)',
    );
    // a workflow of another organization is missing, as far as this organization can tell
    const orphans = `FROM ${this.table} c
      LEFT JOIN ${this.workflows} w ON w.id = c.workflow_id AND w.organization_id = c.organization_id
      WHERE ${where}`;
    const missing = 'CASE WHEN w.id IS NULL THEN 1 ELSE 0 END';
    const [items, counts] = await Promise.all([
      this.db.select<{ id: number; workflow_id: number; missing: number }>(
        `SELECT c.id, c.workflow_id, ${missing} AS missing ${orphans} ORDER BY c.id LIMIT ?`,
        [...params, limit],
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
      items: items.map((row) => ({
        id: Number(row.id),
        workflowId: Number(row.workflow_id),
        reason: Number(row.missing) === 1 ? 'missing_workflow' : 'deleted_workflow',
      })),
    };
  }

  /**
   * Soft-deletes the active rows of deleted workflows as their cascade would have (with the
   * workflow's deleted_at, marked so that restoring the workflow brings them back), and unlinks
   * every row whose workflow no longer exists.
   */
  async repairOrphans(scope: Scope, tx: Transaction, at: Date, by: number): Promise<OrphanRepair> {
    const table = this.table;
    const stamp = timestampToDb(at);
    const org = scope.organizationId;
    const deleted = this.scoped(
      scope,
      `is_deleted = 0 AND workflow_id IN (SELECT id FROM ${this.workflows} WHERE organization_id = ? AND is_deleted = 1)`,
      org,
    );
    const softDeleted = await tx.execute(
      `UPDATE ${table}
          SET is_deleted = 1, deleted_with_workflow = 1, deleted_by = ?, updated_at = ?, version = version + 1,
              deleted_at = (SELECT w.deleted_at FROM ${this.workflows} w WHERE w.id = ${table}.workflow_id AND w.organization_id = ?)
        WHERE ${deleted.where}`,
      [by, stamp, org, ...deleted.params],
    );
    const missing = this.scoped(
      scope,
      `workflow_id IS NOT NULL AND workflow_id NOT IN (SELECT id FROM ${this.workflows} WHERE organization_id = ?)`,
      org,
    );
    const unlinked = await tx.execute(
      `UPDATE ${table} SET workflow_id = NULL, updated_at = ?, version = version + 1 WHERE ${missing.where}`,
      [stamp, ...missing.params],
    );
    return { softDeleted: softDeleted.affected, unlinked: unlinked.affected };
  }
}
