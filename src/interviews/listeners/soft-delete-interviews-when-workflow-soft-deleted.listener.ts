import { Injectable } from '@nestjs/common';
import { OnDomainEvent } from '../../common/events/domain-events';
import type { Transaction } from '../../common/persistence/database.service';
import { WorkflowSoftDeletedEvent } from '../../workflows/events/workflow-soft-deleted.event';
import { InterviewsService } from '../interviews.service';

/** Cascade: a workflow's soft delete soft-deletes its active interviews, in the same transaction. */
@Injectable()
export class SoftDeleteInterviewsWhenWorkflowSoftDeletedListener {
  constructor(private readonly interviews: InterviewsService) {}

  @OnDomainEvent(WorkflowSoftDeletedEvent.eventName)
  async softDeleteLinkedInterviews(
    event: WorkflowSoftDeletedEvent,
    tx: Transaction,
  ): Promise<void> {
    const count = await this.interviews.softDeleteByWorkflow(
      tx,
      event.workflowId,
      event.deletedAt,
      event.deletedBy,
    );
    event.record('interviews', count);
  }
}
