import { defineLinkedKind } from '../workflows';
import { TodoDto } from './dto/todo.dto';
import { TodoEntity } from './entities/todo.entity';

/** Todos are a kind of row linked to a workflow: soft-deleted and restored with it. */
export const TODOS = defineLinkedKind({
  name: 'todos',
  label: 'Todo',
  event: 'todo',
  entity: TodoEntity,
  dto: TodoDto,
  description: 'Todos, optionally linked to a workflow',
  exampleCount: 5,
});
