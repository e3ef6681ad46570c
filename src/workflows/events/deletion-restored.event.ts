import type { Scope } from '../../common/persistence/scope';
import { DomainEvent } from '../../common/events/domain-events';
import { isLinkedRowCount, type LinkedRowCount } from './linked-row-count';

/**
 * Published by DeletionsService inside the transaction that restores a deletion (of workflows or
 * of rows of a linked kind). Each linked kind's handler brings back, through the same
 * transaction, the rows of its kind that the deletion soft-deleted (and only those), and answers
 * how many.
 */
export class DeletionRestoredEvent extends DomainEvent<LinkedRowCount> {
  constructor(
    /** The deletion's organization: the handlers change only its rows. */
    readonly scope: Scope,
    readonly deletionId: number,
    readonly restoredAt: Date,
  ) {
    super();
  }

  accepts(result: unknown): result is LinkedRowCount {
    return isLinkedRowCount(result);
  }
}
