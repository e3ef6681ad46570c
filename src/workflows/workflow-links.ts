import { Injectable } from '@nestjs/common';
import type { Transaction } from '../common/persistence/database.service';
import type { Scope } from '../common/persistence/scope';
import { WorkflowsRepository } from './workflows.repository';

/** Check-and-lock of a workflow that a row of a linked kind is about to link to. */
@Injectable()
export class WorkflowLinks {
  constructor(private readonly workflows: WorkflowsRepository) {}

  /**
   * Inside the caller's transaction tx, writes the workflow row (link_version + 1) if it is active
   * and of the scope's organization; fails with WorkflowNotActiveError (422) otherwise.
   * On a single server the UPDATE locks the row, so a concurrent soft delete either runs after
   * this transaction commits, and then cascades to the new link, or has committed before, and
   * the link fails with 422. On a multi-primary cluster, where row locks are local to a node,
   * the write makes both transactions change the same row: certification lets one commit and
   * aborts the other, which Database.transaction then re-runs. (SQLite runs one transaction at
   * a time.)
   */
  lockForLinking(scope: Scope, tx: Transaction, workflowId: number): Promise<unknown> {
    // no async function of its own: the repository's write fails with the 422 itself
    return this.workflows.bumpLinkVersion(scope, tx, workflowId);
  }
}
