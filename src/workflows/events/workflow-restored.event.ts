import type { DomainEvent } from '../../common/events/domain-events';
import { CountingWorkflowEvent } from './linked-row-counts';

/**
 * Published by WorkflowsService.restore inside its transaction, after the workflow row is
 * active again. Handlers bring back the rows the workflow's cascade soft-deleted (and only
 * those), through the same transaction, and record how many.
 * Handlers: RestoreInterviewsWhenWorkflowRestored, RestoreTodosWhenWorkflowRestored.
 */
export class WorkflowRestoredEvent extends CountingWorkflowEvent implements DomainEvent {
  static readonly eventName = 'workflow.restored';
  readonly eventName = WorkflowRestoredEvent.eventName;

  constructor(
    readonly workflowId: number,
    readonly restoredAt: Date,
  ) {
    super();
  }
}
