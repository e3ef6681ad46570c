import { PartialType } from '@nestjs/swagger';
import { CreateTodoDto } from './create-todo.dto';

/** Partial update; `workflowId: null` unlinks, another id relinks (422 unless it is active). */
export class UpdateTodoDto extends PartialType(CreateTodoDto, { skipNullProperties: false }) {}
