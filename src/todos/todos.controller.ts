import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/roles';
import { ApiErrors, ApiIdParam, ApiSecured } from '../common/dto/api-errors.decorator';
import { ConditionalWrite, EntityTagged } from '../common/http/conditional-requests';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { CreateTodoDto } from './dto/create-todo.dto';
import { ListTodosQueryDto } from './dto/list-todos-query.dto';
import { TodoDto, TodoPageDto } from './dto/todo.dto';
import { UpdateTodoDto } from './dto/update-todo.dto';
import { TodosService } from './todos.service';
import { SoftDeleteQueryDto } from '../workflows';

@ApiTags('todos')
@ApiSecured()
@Controller('todos')
export class TodosController {
  constructor(private readonly todos: TodosService) {}

  @Post()
  @Idempotent({ effectInTransaction: true })
  @EntityTagged()
  @ApiOperation({
    summary: 'Create a todo, optionally linked to an active workflow',
    description:
      'Role: editor. A `workflowId` that names no active workflow answers 422; the link is checked under a write of the workflow row, so it cannot race a delete of that workflow.',
  })
  @ApiErrors(400, 422)
  create(@Body() dto: CreateTodoDto, @CurrentPrincipal() principal: Principal): Promise<TodoDto> {
    return this.todos.create(principal, dto);
  }

  @Get()
  @ApiOperation({
    summary: 'List active todos, keyset-paginated by id',
    description:
      "Role: viewer. Ordered by id; pass the answer's `nextCursor` as `cursor` for the next page. Filters: `workflowId`, `status`, `ownerId`. Soft-deleted todos are never listed.",
  })
  @ApiErrors(400)
  list(
    @Query() query: ListTodosQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TodoPageDto> {
    return this.todos.list(principal, query);
  }

  @Get(':id')
  @EntityTagged()
  @ApiOperation({
    summary: 'Get a todo',
    description: 'Role: viewer. A soft-deleted todo answers 404.',
  })
  @ApiErrors(400, 404)
  @ApiIdParam()
  get(
    @Param('id', ParseIdPipe) id: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TodoDto> {
    return this.todos.get(principal, id);
  }

  @Patch(':id')
  @ConditionalWrite()
  @ApiOperation({
    summary: 'Change a todo; workflowId null unlinks it, another id relinks it',
    description:
      'Role: editor. Only the fields sent change. A `workflowId` that names no active workflow answers 422. A soft-deleted todo answers 404.',
  })
  @ApiErrors(400, 404, 422)
  @ApiIdParam()
  update(
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: UpdateTodoDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TodoDto> {
    return this.todos.update(principal, id, dto);
  }

  @Delete(':id')
  @Idempotent({ effectInTransaction: true })
  @ConditionalWrite()
  @ApiOperation({
    summary: 'Soft-delete one todo',
    description:
      'Role: editor. Marks this todo deleted (`isDeleted`, `deletedAt`, `deletedBy`) as a deletion of its own (`deletionId`, its record at `GET /deletions/:id`, with `reason` when given); its workflow is not touched.',
  })
  @ApiErrors(400, 404)
  @ApiIdParam()
  remove(
    @Param('id', ParseIdPipe) id: number,
    @Query() query: SoftDeleteQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TodoDto> {
    return this.todos.remove(principal, id, query.reason);
  }
}
