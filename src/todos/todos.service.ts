import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/roles';
import type { Scope } from '../common/persistence/scope';
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

  create(scope: Scope, dto: CreateTodoDto): Promise<Todo> {
    return this.rows.create(scope, {
      workflowId: dto.workflowId ?? null,
      title: dto.title,
      description: dto.description ?? null,
      ownerId: dto.ownerId,
      status: dto.status ?? 'pending',
      dueDate: toUtcIso(dto.dueDate) ?? null,
    });
  }

  list(scope: Scope, query: ListTodosQueryDto): Promise<Page<Todo>> {
    const { workflowId, status, ownerId, limit, cursor } = query;
    return this.rows.list(scope, { workflowId, status, ownerId }, limit, cursor);
  }

  get(scope: Scope, id: number): Promise<Todo> {
    return this.rows.get(scope, id);
  }

  update(scope: Scope, id: number, dto: UpdateTodoDto): Promise<Todo> {
    return this.rows.update(scope, id, { ...dto, dueDate: toUtcIso(dto.dueDate) });
  }

  /** Soft-deletes one row on behalf of the caller (deletedBy is the caller's user id). */
  remove(principal: Principal, id: number, reason?: string): Promise<Todo> {
    return this.rows.remove(principal, id, principal.id, reason ?? null);
  }
}
