import { Injectable } from '@nestjs/common';
import { WorkflowNotActiveError } from '../common/errors/domain-errors';
import { Database, type Transaction } from '../common/persistence/database.service';
import type { Scope } from '../common/persistence/scope';
import { SoftDeletableRepository } from '../common/persistence/soft-deletable.repository';
import { timestampFromDb } from '../common/persistence/sql-values';
import { WorkflowEntity } from './entities/workflow.entity';

@Injectable()
export class WorkflowsRepository extends SoftDeletableRepository<WorkflowEntity> {
  /** bumpLinkVersion's statement, made once. */
  private bumpText: string | undefined;

  constructor(db: Database) {
    super(db, WorkflowEntity);
  }

  /**
   * Writes (and so locks) an active workflow's row of the scope's organization for a link;
   * fails with WorkflowNotActiveError when there is none (deleted, missing, or another
   * organization's: that answers as a deleted one does, 422, telling nothing).
   */
  bumpLinkVersion(scope: Scope, tx: Transaction, id: number): Promise<unknown> {
    const { where, params } = this.scoped(scope, 'id = ? AND is_deleted = 0', id);
    // updated_at = updated_at: linking a child does not change the workflow as clients see it
    this.bumpText ??= `UPDATE ${this.table} SET link_version = link_version + 1, updated_at = updated_at, version = version + 1 WHERE ${where}`;
    return tx.change(this.bumpText, params, () => new WorkflowNotActiveError(id));
  }

  /**
   * Deleted workflows without a deletion (soft-deleted by hand, outside the service), with
   * when and by whom: for the orphan repair, which records a deletion for each.
   */
  async findDeletedWithoutDeletion(
    scope: Scope,
    tx: Transaction,
  ): Promise<Array<{ id: number; deletedAt: Date; deletedBy: number | null }>> {
    const { where, params } = this.scoped(scope, 'is_deleted = 1 AND deletion_id IS NULL');
    const rows = await tx.select<{ id: number; deleted_at: unknown; deleted_by: number | null }>(
      `SELECT id, COALESCE(deleted_at, updated_at) AS deleted_at, deleted_by FROM ${this.table} WHERE ${where} ORDER BY id`,
      params,
    );
    return rows.map((row) => ({
      id: Number(row.id),
      deletedAt: new Date(timestampFromDb(row.deleted_at) as string),
      deletedBy: row.deleted_by === null ? null : Number(row.deleted_by),
    }));
  }

  /** Records the deletion of a deleted workflow that had none. */
  async setDeletion(scope: Scope, tx: Transaction, id: number, deletionId: number): Promise<void> {
    const { where, params } = this.scoped(scope, 'id = ? AND is_deleted = 1', id);
    await tx.execute(
      `UPDATE ${this.table} SET deletion_id = ?, version = version + 1 WHERE ${where}`,
      [deletionId, ...params],
    );
  }
}
