import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/roles';
import { ApiErrors, ApiIdParam, ApiSecured } from '../common/dto/api-errors.decorator';
import { ConditionalWrite, EntityTagged } from '../common/http/conditional-requests';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { CreateWorkflowDto } from './dto/create-workflow.dto';
import { UpdateWorkflowDto } from './dto/update-workflow.dto';
import { WorkflowDto } from './dto/workflow.dto';
import { DeleteWorkflowQueryDto } from './deletions/dto/deletion-queries.dto';
import { GetWorkflowQueryDto, ListWorkflowsQueryDto } from './dto/workflow-queries.dto';
import {
  DeletedWorkflowDto,
  RestoredWorkflowDto,
  WorkflowPageDto,
  WorkflowWithLinksDto,
} from './dto/workflow-responses.dto';
import { WorkflowsService } from './workflows.service';

@ApiTags('workflows')
@ApiSecured()
@Controller('workflows')
export class WorkflowsController {
  constructor(private readonly workflows: WorkflowsService) {}

  @Post()
  @Idempotent({ effectInTransaction: true })
  @EntityTagged()
  @ApiOperation({
    summary: 'Create a workflow',
    description:
      "Role: editor. `status` defaults to `draft`; `createdBy` is the caller's user id (the token's `sub`).",
  })
  @ApiErrors(400)
  create(
    @Body() dto: CreateWorkflowDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WorkflowDto> {
    return this.workflows.create(dto, principal);
  }

  @Get()
  @ApiOperation({
    summary: 'List active workflows, keyset-paginated by id',
    description:
      "Role: viewer. Ordered by id; pass the answer's `nextCursor` as `cursor` for the next page (`null` on the last). Filter by `status`. Soft-deleted workflows are never listed.",
  })
  @ApiErrors(400)
  list(
    @Query() query: ListWorkflowsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WorkflowPageDto> {
    return this.workflows.list(principal, query);
  }

  @Get(':id')
  @EntityTagged()
  @ApiOperation({
    summary: 'Get a workflow, optionally with the active rows linked to it',
    description:
      'Role: viewer. `include` names linked kinds (comma-separated) whose active rows to embed, read in one query per kind however many are linked. A soft-deleted workflow answers 404.',
  })
  @ApiErrors(400, 404)
  @ApiIdParam()
  get(
    @Param('id', ParseIdPipe) id: number,
    @Query() query: GetWorkflowQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WorkflowWithLinksDto> {
    return this.workflows.get(principal, id, query.include);
  }

  @Patch(':id')
  @ConditionalWrite()
  @ApiOperation({
    summary: 'Change the name, description or status of a workflow',
    description: 'Role: editor. Only the fields sent change. A soft-deleted workflow answers 404.',
  })
  @ApiErrors(400, 404)
  @ApiIdParam()
  update(
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: UpdateWorkflowDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WorkflowDto> {
    return this.workflows.update(principal, id, dto);
  }

  @Delete(':id')
  @Idempotent({ effectInTransaction: true })
  @ConditionalWrite()
  @ApiOperation({
    summary: 'Soft-delete a workflow and, in the same transaction, the active rows linked to it',

    description:
      'Role: editor. Marks the workflow and every active linked row (of every linked kind) deleted with the same `deletedAt`, all or nothing, as one deletion (`deletionId`, its record at `GET /deletions/:id`, with `reason` when given); rows deleted earlier keep their own. `cascaded` counts, per kind, the rows this delete soft-deleted. `dryRun=true` answers the workflow as it is, `dryRun: true` and the `cascaded` counts the delete would produce, and changes nothing.',
  })
  @ApiErrors(400, 404)
  @ApiIdParam()
  softDelete(
    @Param('id', ParseIdPipe) id: number,
    @Query() query: DeleteWorkflowQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeletedWorkflowDto> {
    if (query.dryRun) return this.workflows.previewDelete(principal, id);
    return this.workflows.softDelete(id, principal, query.reason ?? null);
  }

  @Post(':id/restore')
  @Idempotent({ effectInTransaction: true })
  @ConditionalWrite()
  @HttpCode(200)
  @RequireRole('admin')
  @ApiOperation({
    summary:
      'Restore a soft-deleted workflow and, in the same transaction, the linked rows its delete soft-deleted',
    description:
      "Role: admin. Restores the workflow's latest deletion (`deletionId`; the same as `POST /deletions/:id/restore`): the rows it soft-deleted come back, rows deleted on their own before the workflow stay deleted. `restored` counts, per kind, the linked rows brought back. 409 when the workflow is not deleted.",
  })
  @ApiErrors(400, 404, 409)
  @ApiIdParam()
  restore(
    @Param('id', ParseIdPipe) id: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RestoredWorkflowDto> {
    return this.workflows.restore(principal, id);
  }
}
