import { Injectable } from '@nestjs/common';
import type { Page } from '../common/pagination/page';
import type { Row } from '../common/persistence/table-mapping';
import { toUtcIso } from '../common/validation/utc';
import { InjectLinkedRows, type LinkedRows } from '../workflows';
import type { CreateTodoDto } from './dto/create-todo.dto';
import type { ListTodosQueryDto } from './dto/list-todos-query.dto';
import type { UpdateTodoDto } from './dto/update-todo.dto';
import type { TodoEntity } from './entities/todo.entity';
import { TODOS } from './todos.kind';

export type Todo = Row<TodoEntity>;

@Injectable()
export class TodosService {
  constructor(@InjectLinkedRows(TODOS) private readonly rows: LinkedRows<TodoEntity>) {}

  create(dto: CreateTodoDto): Promise<Todo> {
    return this.rows.create({
      workflowId: dto.workflowId ?? null,
      title: dto.title,
      description: dto.description ?? null,
      ownerId: dto.ownerId,
      status: dto.status ?? 'pending',
      dueDate: toUtcIso(dto.dueDate) ?? null,
    });
  }

  list(query: ListTodosQueryDto): Promise<Page<Todo>> {
    const { workflowId, status, ownerId, limit, cursor } = query;
    return this.rows.list({ workflowId, status, ownerId }, limit, cursor);
  }

  get(id: number): Promise<Todo> {
    return this.rows.get(id);
  }

  update(id: number, dto: UpdateTodoDto): Promise<Todo> {
    return this.rows.update(id, { ...dto, dueDate: toUtcIso(dto.dueDate) });
  }

  remove(id: number, by: number): Promise<Todo> {
    return this.rows.remove(id, by);
  }
}
