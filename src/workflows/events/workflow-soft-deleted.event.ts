import type { DomainEvent } from '../../common/events/domain-events';
import type { WorkflowInclude } from '../dto/workflow-queries.dto';

/**
 * Published by WorkflowsService.softDelete inside its transaction, after the workflow row is
 * marked deleted. Handlers soft-delete the rows they own that link to the workflow, with the
 * same deletedAt, through the same transaction, and report how many they deleted.
 * Handlers: SoftDeleteInterviewsWhenWorkflowSoftDeleted, SoftDeleteTodosWhenWorkflowSoftDeleted.
 */
export class WorkflowSoftDeletedEvent implements DomainEvent {
  static readonly eventName = 'workflow.soft-deleted';
  readonly eventName = WorkflowSoftDeletedEvent.eventName;

  /** Rows each handler soft-deleted, by kind. */
  readonly cascaded: Record<WorkflowInclude, number> = { interviews: 0, todos: 0 };

  constructor(
    readonly workflowId: number,
    readonly deletedAt: Date,
  ) {}

  recordCascade(kind: WorkflowInclude, count: number): void {
    this.cascaded[kind] += count;
  }
}
