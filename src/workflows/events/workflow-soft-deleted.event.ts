import type { Scope } from '../../common/persistence/scope';
import { DomainEvent } from '../../common/events/domain-events';
import { isLinkedRowCount, type LinkedRowCount } from './linked-row-count';

/**
 * Published by DeletionsService inside the transaction of a deletion of workflows, after the
 * workflow rows are marked deleted. Each linked kind's handler soft-deletes its rows that link
 * to them, with the same deletedAt and deletion, through the same transaction, and answers how
 * many it deleted.
 */
export class WorkflowSoftDeletedEvent extends DomainEvent<LinkedRowCount> {
  constructor(
    /** The workflows' organization: the handlers change only its rows. */
    readonly scope: Scope,
    readonly workflowIds: readonly number[],
    readonly deletedAt: Date,
    /** The user id that deleted the workflows; the cascade records it on every row it deletes. */
    readonly deletedBy: number,
    /** The deletion record; the cascade records it on every row it deletes. */
    readonly deletionId: number,
  ) {
    super();
  }

  accepts(result: unknown): result is LinkedRowCount {
    return isLinkedRowCount(result);
  }
}
