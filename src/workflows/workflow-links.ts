import { Injectable } from '@nestjs/common';
import { WorkflowNotActiveError } from '../common/errors/domain-errors';
import type { OrphanRepair, OrphanReport } from '../common/linked-rows/workflow-linked.repository';
import type { Transaction } from '../common/persistence/database.service';
import type { WorkflowInclude } from './dto/workflow-queries.dto';
import { WorkflowsRepository } from './workflows.repository';

/** What a module owning rows linked to workflows offers the Workflows and Admin modules. */
export interface LinkedRowsOwner {
  /** The active rows linked to the workflow, in id order, as the API shows them (`?include=`). */
  findActiveByWorkflow(workflowId: number): Promise<unknown[]>;
  /** Active rows whose workflow is deleted or missing: counts, and the first `limit` of them. */
  findOrphans(limit: number): Promise<OrphanReport>;
  /** Repairs them inside the caller's transaction; see WorkflowLinkedRepository.repairOrphans. */
  repairOrphans(tx: Transaction, at: Date, by: number): Promise<OrphanRepair>;
  /** Retention: hard-deletes up to `batch` rows soft-deleted before `cutoff`; answers how many. */
  purgeDeletedBefore(cutoff: Date, batch: number): Promise<number>;
  countDeletedBefore(cutoff: Date): Promise<number>;
}

/**
 * The Workflows module's small exported port for modules whose rows link to a workflow
 * (Interviews, Todos): check-and-lock a workflow before linking to it, and register as the
 * owner of their rows (for `include` and the orphan checks). The Workflows module never imports those modules.
 */
@Injectable()
export class WorkflowLinks {
  private readonly owners = new Map<WorkflowInclude, LinkedRowsOwner>();

  constructor(private readonly workflows: WorkflowsRepository) {}

  /**
   * Inside the caller's transaction tx, writes the workflow row (link_version + 1) if it is active.
   * On a single server the UPDATE locks the row, so a concurrent soft delete either runs after
   * this transaction commits, and then cascades to the new link, or has committed before, and
   * the link fails with 422. On a multi-primary cluster, where row locks are local to a node,
   * the write makes both transactions change the same row: certification lets one commit and
   * aborts the other, which Database.transaction then re-runs. (SQLite runs one transaction at
   * a time.)
   */
  async lockForLinking(tx: Transaction, workflowId: number): Promise<void> {
    if (!(await this.workflows.bumpLinkVersion(tx, workflowId))) {
      throw new WorkflowNotActiveError(workflowId);
    }
  }

  register(kind: WorkflowInclude, owner: LinkedRowsOwner): void {
    this.owners.set(kind, owner);
  }

  owner(kind: WorkflowInclude): LinkedRowsOwner {
    const owner = this.owners.get(kind);
    if (!owner) throw new Error(`no module registered as the owner of ${kind}`);
    return owner;
  }
}
