import { NotFoundError } from '../errors/domain-errors';
import type { Page } from '../pagination/page';
import { Database, type Transaction } from '../persistence/database.service';
import type { Filter } from '../persistence/soft-deletable.repository';
import type { SoftDeletable } from '../persistence/table-mapping';
import type {
  OrphanRepair,
  OrphanReport,
  WorkflowLinked,
  WorkflowLinkedRepository,
} from './workflow-linked.repository';

/** Locks a workflow for linking (implemented by the Workflows module's WorkflowLinks port). */
export interface WorkflowLinkLock {
  lockForLinking(tx: Transaction, workflowId: number): Promise<void>;
}

/**
 * What Interviews and Todos share: reads that never see soft-deleted rows, writes that check
 * and lock the workflow they link to inside their own transaction, and the set-based
 * soft delete their WorkflowSoftDeleted handlers run.
 */
export abstract class WorkflowLinkedService<T extends WorkflowLinked> {
  protected constructor(
    protected readonly db: Database,
    protected readonly rows: WorkflowLinkedRepository<T>,
    private readonly linkLock: WorkflowLinkLock,
    private readonly resource: string,
  ) {}

  list(filter: Filter<T>, limit: number, cursor: string | undefined): Promise<Page<T>> {
    return this.db.read(() => this.rows.findPage(filter, limit, cursor));
  }

  get(id: number): Promise<T> {
    return this.db.read(async () => {
      const row = await this.rows.findActive(id);
      if (!row) throw new NotFoundError(this.resource, id);
      return row;
    });
  }

  /** Active rows linked to a workflow, for GET /workflows/:id?include=. */
  findActiveByWorkflow(workflowId: number): Promise<T[]> {
    return this.rows.findAllActive({ workflowId } as Filter<T>);
  }

  /** Soft-deletes one row on behalf of the user `by`. */
  remove(id: number, by: number): Promise<T> {
    return this.db.transaction(async (tx) => {
      const current = await this.lockOrFail(tx, id);
      const at = new Date();
      await this.rows.softDelete(tx, id, at, by);
      const stamp = at.toISOString();
      return { ...current, updatedAt: stamp, isDeleted: true, deletedAt: stamp, deletedBy: by };
    });
  }

  /** The cascade step of a workflow soft delete: one UPDATE, inside the publisher's transaction. */
  softDeleteByWorkflow(
    tx: Transaction,
    workflowId: number,
    deletedAt: Date,
    deletedBy: number,
  ): Promise<number> {
    return this.rows.softDeleteWithWorkflow(tx, workflowId, deletedAt, deletedBy);
  }

  /** The step of a workflow restore: brings back the rows its cascade deleted, in one UPDATE. */
  restoreByWorkflow(tx: Transaction, workflowId: number, restoredAt: Date): Promise<number> {
    return this.rows.restoreWithWorkflow(tx, workflowId, restoredAt);
  }

  findOrphans(limit: number): Promise<OrphanReport> {
    return this.db.read(() => this.rows.findOrphans(limit));
  }

  repairOrphans(tx: Transaction, at: Date, by: number): Promise<OrphanRepair> {
    return this.rows.repairOrphans(tx, at, by);
  }

  /** Retention: hard-deletes up to `batch` rows soft-deleted before `cutoff` (one transaction). */
  purgeDeletedBefore(cutoff: Date, batch: number): Promise<number> {
    return this.db.transaction((tx) => this.rows.purgeDeletedBefore(tx, cutoff, batch));
  }

  countDeletedBefore(cutoff: Date): Promise<number> {
    return this.db.read(() => this.rows.countDeletedBefore(cutoff));
  }

  protected createRow(values: Omit<T, keyof SoftDeletable>): Promise<T> {
    return this.db.transaction(async (tx) => {
      if (values.workflowId !== null) await this.linkLock.lockForLinking(tx, values.workflowId);
      return this.rows.insert(tx, values, new Date());
    });
  }

  /**
   * Applies changes to an active row; `check` sees the row as it would be and may reject it.
   * Linking to another workflow locks that workflow first, as creation does.
   */
  protected updateRow(id: number, changes: Partial<T>, check?: (merged: T) => void): Promise<T> {
    return this.db.transaction(async (tx) => {
      const current = await this.lockOrFail(tx, id);
      const present = Object.entries(changes).filter(([, value]) => value !== undefined);
      if (present.length === 0) return current;
      check?.({ ...current, ...Object.fromEntries(present) });
      const workflowId = changes.workflowId;
      if (workflowId !== undefined && workflowId !== null && workflowId !== current.workflowId) {
        await this.linkLock.lockForLinking(tx, workflowId);
      }
      return this.rows.update(tx, current, changes, new Date());
    });
  }

  private async lockOrFail(tx: Transaction, id: number): Promise<T> {
    const row = await this.rows.lockActive(tx, id);
    if (!row) throw new NotFoundError(this.resource, id);
    return row;
  }
}

/** ISO input (any offset) to the API's UTC form; null and undefined pass through. */
export function toUtcIso<V extends string | null | undefined>(value: V): V {
  return (typeof value === 'string' ? new Date(value).toISOString() : value) as V;
}
