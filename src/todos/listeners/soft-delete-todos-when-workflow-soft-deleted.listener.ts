import { Injectable } from '@nestjs/common';
import { OnDomainEvent } from '../../common/events/domain-events';
import type { Transaction } from '../../common/persistence/database.service';
import { WorkflowSoftDeletedEvent } from '../../workflows/events/workflow-soft-deleted.event';
import { TodosService } from '../todos.service';

/** Cascade: a workflow's soft delete soft-deletes its active todos, in the same transaction. */
@Injectable()
export class SoftDeleteTodosWhenWorkflowSoftDeletedListener {
  constructor(private readonly todos: TodosService) {}

  @OnDomainEvent(WorkflowSoftDeletedEvent.eventName)
  async softDeleteLinkedTodos(event: WorkflowSoftDeletedEvent, tx: Transaction): Promise<void> {
    const count = await this.todos.softDeleteByWorkflow(
      tx,
      event.workflowId,
      event.deletedAt,
      event.deletedBy,
    );
    event.record('todos', count);
  }
}
