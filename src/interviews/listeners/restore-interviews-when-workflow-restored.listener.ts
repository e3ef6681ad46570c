import { Injectable } from '@nestjs/common';
import { OnDomainEvent } from '../../common/events/domain-events';
import type { Transaction } from '../../common/persistence/database.service';
import { WorkflowRestoredEvent } from '../../workflows/events/workflow-restored.event';
import { InterviewsService } from '../interviews.service';

/** Restore: a workflow's restore brings back the interviews its delete soft-deleted, in the same transaction. */
@Injectable()
export class RestoreInterviewsWhenWorkflowRestoredListener {
  constructor(private readonly interviews: InterviewsService) {}

  @OnDomainEvent(WorkflowRestoredEvent.eventName)
  async restoreLinkedInterviews(event: WorkflowRestoredEvent, tx: Transaction): Promise<void> {
    const count = await this.interviews.restoreByWorkflow(tx, event.workflowId, event.restoredAt);
    event.record('interviews', count);
  }
}
