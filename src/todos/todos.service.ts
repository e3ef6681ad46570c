import { Injectable, OnModuleInit } from '@nestjs/common';
import { toUtcIso, WorkflowLinkedService } from '../common/linked-rows/workflow-linked.service';
import { Database } from '../common/persistence/database.service';
import { WorkflowLinks } from '../workflows/workflow-links';
import type { CreateTodoDto } from './dto/create-todo.dto';
import type { TodoDto } from './dto/todo.dto';
import type { UpdateTodoDto } from './dto/update-todo.dto';
import { TodosRepository } from './todos.repository';

@Injectable()
export class TodosService extends WorkflowLinkedService<TodoDto> implements OnModuleInit {
  constructor(
    db: Database,
    todos: TodosRepository,
    private readonly links: WorkflowLinks,
  ) {
    super(db, todos, links, 'Todo');
  }

  onModuleInit(): void {
    this.links.register('todos', this);
  }

  create(dto: CreateTodoDto): Promise<TodoDto> {
    return this.createRow({
      workflowId: dto.workflowId ?? null,
      title: dto.title,
      description: dto.description ?? null,
      ownerId: dto.ownerId,
      status: dto.status ?? 'pending',
      dueDate: toUtcIso(dto.dueDate) ?? null,
    });
  }

  update(id: number, dto: UpdateTodoDto): Promise<TodoDto> {
    return this.updateRow(id, { ...dto, dueDate: toUtcIso(dto.dueDate) });
  }
}
