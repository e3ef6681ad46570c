import type { Scope } from '../../common/persistence/scope';
import { DomainEvent } from '../../common/events/domain-events';
import { isLinkedRowCount, type LinkedRowCount } from './linked-row-count';

/**
 * Published by WorkflowsService.restore inside its transaction, after the workflow row is
 * active again. Each linked kind's handler brings back the rows the workflow's cascade
 * soft-deleted (and only those), through the same transaction, and answers how many.
 */
export class WorkflowRestoredEvent extends DomainEvent<LinkedRowCount> {
  constructor(
    /** The workflow's organization: the handlers change only its rows. */
    readonly scope: Scope,
    readonly workflowId: number,
    readonly restoredAt: Date,
  ) {
    super();
  }

  accepts(result: unknown): result is LinkedRowCount {
    return isLinkedRowCount(result);
  }
}
