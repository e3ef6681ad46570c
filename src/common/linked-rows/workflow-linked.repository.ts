import { SoftDeletableRepository } from '../persistence/soft-deletable.repository';
import { timestampToDb } from '../persistence/sql-values';
import type { SoftDeletable } from '../persistence/table-mapping';

/** A row that may belong to a workflow through the nullable workflow_id column. */
export interface WorkflowLinked extends SoftDeletable {
  workflowId: number | null;
}

/**
 * The set-based statements of a workflow's cascade and of its restore. The cascade marks the
 * rows it deletes (deleted_with_workflow = 1); the restore brings back exactly those.
 */
export abstract class WorkflowLinkedRepository<
  T extends WorkflowLinked,
> extends SoftDeletableRepository<T> {
  /** One UPDATE however many rows are linked; answers how many it soft-deleted. */
  async softDeleteWithWorkflow(workflowId: number, at: Date): Promise<number> {
    const stamp = timestampToDb(at);
    const { affected } = await this.db.execute(
      `UPDATE ${this.mapping.table} SET is_deleted = 1, deleted_at = ?, updated_at = ?, deleted_with_workflow = 1
        WHERE workflow_id = ? AND is_deleted = 0`,
      [stamp, stamp, workflowId],
    );
    return affected;
  }

  /** One UPDATE: the rows the workflow's cascade deleted become active again. */
  async restoreWithWorkflow(workflowId: number, at: Date): Promise<number> {
    const { affected } = await this.db.execute(
      `UPDATE ${this.mapping.table} SET is_deleted = 0, deleted_at = NULL, updated_at = ?, deleted_with_workflow = 0
        WHERE workflow_id = ? AND is_deleted = 1 AND deleted_with_workflow = 1`,
      [timestampToDb(at), workflowId],
    );
    return affected;
  }
}
