import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/roles';
import { ApiErrors, ApiIdParam, ApiSecured } from '../common/dto/api-errors.decorator';
import { ConditionalWrite, EntityTagged } from '../common/http/conditional-requests';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { CreateInterviewDto } from './dto/create-interview.dto';
import { InterviewDto, InterviewPageDto } from './dto/interview.dto';
import { ListInterviewsQueryDto } from './dto/list-interviews-query.dto';
import { UpdateInterviewDto } from './dto/update-interview.dto';
import { InterviewsService } from './interviews.service';
import { SoftDeleteQueryDto } from '../workflows';

@ApiTags('interviews')
@ApiSecured()
@Controller('interviews')
export class InterviewsController {
  constructor(private readonly interviews: InterviewsService) {}

  @Post()
  @Idempotent({ effectInTransaction: true })
  @EntityTagged()
  @ApiOperation({
    summary: 'Create an interview, optionally linked to an active workflow',
    description:
      'Role: editor. A `workflowId` that names no active workflow answers 422; the link is checked under a write of the workflow row, so it cannot race a delete of that workflow.',
  })
  @ApiErrors(400, 422)
  create(
    @Body() dto: CreateInterviewDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InterviewDto> {
    return this.interviews.create(principal, dto);
  }

  @Get()
  @ApiOperation({
    summary: 'List active interviews, keyset-paginated by id',
    description:
      "Role: viewer. Ordered by id; pass the answer's `nextCursor` as `cursor` for the next page. Filters: `workflowId`, `status`. Soft-deleted interviews are never listed.",
  })
  @ApiErrors(400)
  list(
    @Query() query: ListInterviewsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InterviewPageDto> {
    return this.interviews.list(principal, query);
  }

  @Get(':id')
  @EntityTagged()
  @ApiOperation({
    summary: 'Get an interview',
    description: 'Role: viewer. A soft-deleted interview answers 404.',
  })
  @ApiErrors(400, 404)
  @ApiIdParam()
  get(
    @Param('id', ParseIdPipe) id: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InterviewDto> {
    return this.interviews.get(principal, id);
  }

  @Patch(':id')
  @ConditionalWrite()
  @ApiOperation({
    summary: 'Change an interview; workflowId null unlinks it, another id relinks it',
    description:
      'Role: editor. Only the fields sent change. A `workflowId` that names no active workflow answers 422. A soft-deleted interview answers 404.',
  })
  @ApiErrors(400, 404, 422)
  @ApiIdParam()
  update(
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: UpdateInterviewDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InterviewDto> {
    return this.interviews.update(principal, id, dto);
  }

  @Delete(':id')
  @Idempotent({ effectInTransaction: true })
  @ConditionalWrite()
  @ApiOperation({
    summary: 'Soft-delete one interview',
    description:
      'Role: editor. Marks this interview deleted (`isDeleted`, `deletedAt`, `deletedBy`) as a deletion of its own (`deletionId`, its record at `GET /deletions/:id`, with `reason` when given); its workflow is not touched.',
  })
  @ApiErrors(400, 404)
  @ApiIdParam()
  remove(
    @Param('id', ParseIdPipe) id: number,
    @Query() query: SoftDeleteQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InterviewDto> {
    return this.interviews.remove(principal, id, query.reason);
  }
}
