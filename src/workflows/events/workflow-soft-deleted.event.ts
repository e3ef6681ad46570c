import type { DomainEvent } from '../../common/events/domain-events';
import { CountingWorkflowEvent } from './linked-row-counts';

/**
 * Published by WorkflowsService.softDelete inside its transaction, after the workflow row is
 * marked deleted. Handlers soft-delete the rows they own that link to the workflow, with the
 * same deletedAt, through the same transaction, and record how many they deleted.
 * Handlers: SoftDeleteInterviewsWhenWorkflowSoftDeleted, SoftDeleteTodosWhenWorkflowSoftDeleted.
 */
export class WorkflowSoftDeletedEvent extends CountingWorkflowEvent implements DomainEvent {
  static readonly eventName = 'workflow.soft-deleted';
  readonly eventName = WorkflowSoftDeletedEvent.eventName;

  constructor(
    readonly workflowId: number,
    readonly deletedAt: Date,
    /** The user id that deleted the workflow; the cascade records it on every row it deletes. */
    readonly deletedBy: number,
  ) {
    super();
  }
}
