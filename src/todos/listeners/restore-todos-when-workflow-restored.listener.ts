import { Injectable } from '@nestjs/common';
import { OnDomainEvent } from '../../common/events/domain-events';
import type { Transaction } from '../../common/persistence/database.service';
import { WorkflowRestoredEvent } from '../../workflows/events/workflow-restored.event';
import { TodosService } from '../todos.service';

/** Restore: a workflow's restore brings back the todos its delete soft-deleted, in the same transaction. */
@Injectable()
export class RestoreTodosWhenWorkflowRestoredListener {
  constructor(private readonly todos: TodosService) {}

  @OnDomainEvent(WorkflowRestoredEvent.eventName)
  async restoreLinkedTodos(event: WorkflowRestoredEvent, tx: Transaction): Promise<void> {
    const count = await this.todos.restoreByWorkflow(tx, event.workflowId, event.restoredAt);
    event.record('todos', count);
  }
}
