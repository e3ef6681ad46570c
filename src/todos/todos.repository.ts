import { Injectable } from '@nestjs/common';
import { Database } from '../common/persistence/database.service';
import { WorkflowLinkedRepository } from '../common/linked-rows/workflow-linked.repository';
import { softDeletableFields, TableMapping } from '../common/persistence/table-mapping';
import type { TodoDto } from './dto/todo.dto';

const TODOS = new TableMapping<TodoDto>(
  'todos',
  softDeletableFields({
    workflowId: { column: 'workflow_id', type: 'int' },
    title: { column: 'title', type: 'string' },
    description: { column: 'description', type: 'string' },
    ownerId: { column: 'owner_id', type: 'int' },
    status: { column: 'status', type: 'string' },
    dueDate: { column: 'due_date', type: 'timestamp' },
  }),
);

@Injectable()
export class TodosRepository extends WorkflowLinkedRepository<TodoDto> {
  constructor(db: Database) {
    super(db, TODOS);
  }
}
