import type { Scope } from '../../common/persistence/scope';
import { DomainEvent } from '../../common/events/domain-events';
import { isLinkedRowCount, type LinkedRowCount } from './linked-row-count';

/**
 * Published by WorkflowsService.softDelete inside its transaction, after the workflow row is
 * marked deleted. Each linked kind's handler soft-deletes its rows that link to the workflow,
 * with the same deletedAt, through the same transaction, and answers how many it deleted.
 */
export class WorkflowSoftDeletedEvent extends DomainEvent<LinkedRowCount> {
  constructor(
    /** The workflow's organization: the handlers change only its rows. */
    readonly scope: Scope,
    readonly workflowId: number,
    readonly deletedAt: Date,
    /** The user id that deleted the workflow; the cascade records it on every row it deletes. */
    readonly deletedBy: number,
  ) {
    super();
  }

  accepts(result: unknown): result is LinkedRowCount {
    return isLinkedRowCount(result);
  }
}
