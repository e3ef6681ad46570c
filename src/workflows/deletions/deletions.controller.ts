import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, RequireRole } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/roles';
import { ApiErrors, ApiIdParam, ApiSecured } from '../../common/dto/api-errors.decorator';
import { ParseIdPipe } from '../../common/validation/parse-id.pipe';
import { Idempotent } from '../../common/idempotency/idempotent.decorator';
import { DeletionRowsQueryDto, ListDeletionsQueryDto } from './dto/deletion-queries.dto';
import {
  BulkDeletionDto,
  DeletionDto,
  DeletionPageDto,
  DeletionPreviewDto,
  DeletionRowsPageDto,
  PurgedDeletionDto,
  RestoredDeletionDto,
} from './dto/deletion.dto';
import { DeletionsService } from './deletions.service';

/**
 * The trash: deletions as records (docs/api.md, "Deletions"). Every route acts in the caller's
 * organization; a deletion of another is one that does not exist (404).
 */
@ApiTags('deletions')
@ApiSecured()
@ApiExtraModels(DeletionPreviewDto)
@Controller('deletions')
export class DeletionsController {
  constructor(private readonly deletions: DeletionsService) {}

  @Post()
  @Idempotent({ effectInTransaction: true })
  @ApiOperation({
    summary:
      'Soft-delete up to 100 rows of one resource, and everything linked to them, as one deletion',
    description:
      'Role: editor. All or nothing, in one transaction: `resource` is `workflows` (each with its cascade) or a linked kind. 400 for more than 100 ids, duplicate ids, ids that are not positive INTs, or an unknown resource; 404, naming every id that is missing or already deleted, and nothing changes. `dryRun: true` answers 200 with the counts the deletion would have, and changes nothing.',
  })
  @ApiCreatedResponse({ type: DeletionDto, description: 'The deletion, made.' })
  @ApiOkResponse({
    description: '`dryRun: true`: what the deletion would soft-delete; nothing changed.',
    schema: { $ref: getSchemaPath(DeletionPreviewDto) },
  })
  @ApiErrors(400, 404)
  async bulk(
    @Body() dto: BulkDeletionDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeletionDto | DeletionPreviewDto> {
    const result = await this.deletions.bulk(principal, dto);
    if ('dryRun' in result) reply.status(200);
    return result;
  }

  @Get()
  @RequireRole('admin')
  @ApiOperation({
    summary: 'The trash: deletions, newest first, keyset-paginated',
    description:
      "Role: admin. Ordered by id, newest first; pass the answer's `nextCursor` as `cursor` for the next page (`null` on the last). Filters: `resource`, `deletedBy`, `restored`, `since` (deleted at or after), `until` (deleted before).",
  })
  @ApiErrors(400)
  list(
    @Query() query: ListDeletionsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeletionPageDto> {
    return this.deletions.list(principal, query);
  }

  @Get(':id')
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Get a deletion',
    description: 'Role: admin. Restored and purged deletions are found too (the record stays).',
  })
  @ApiErrors(400, 404)
  @ApiIdParam()
  get(
    @Param('id', ParseIdPipe) id: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeletionDto> {
    return this.deletions.get(principal, id);
  }

  @Get(':id/rows')
  @RequireRole('admin')
  @ApiOperation({
    summary: 'The rows of one kind that a deletion soft-deleted, keyset-paginated by id',
    description:
      "Role: admin. `resource` is `workflows` or a linked kind (400 otherwise). The rows the deletion holds now: none once it is restored or purged. Each as its own route answered it, with `isDeleted` true. Read through an index of the deletion's rows, page by page, however many there are.",
  })
  @ApiErrors(400, 404)
  @ApiIdParam()
  rows(
    @Param('id', ParseIdPipe) id: number,
    @Query() query: DeletionRowsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeletionRowsPageDto> {
    return this.deletions.rows(
      principal,
      id,
      query.resource,
      query.limit,
      query.cursor,
    ) as Promise<DeletionRowsPageDto>;
  }

  @Post(':id/restore')
  @Idempotent({ effectInTransaction: true })
  @HttpCode(200)
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Restore exactly the rows of a deletion',
    description:
      'Role: admin. In one transaction. 409, changing nothing, when the deletion was restored or purged already, or when it deleted linked rows whose workflow is deleted now (the message names the deletion to restore first). Rows of the deletion hard-deleted meanwhile are counted in `missing`.',
  })
  @ApiErrors(400, 404, 409)
  @ApiIdParam()
  restore(
    @Param('id', ParseIdPipe) id: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RestoredDeletionDto> {
    return this.deletions.restore(principal, id);
  }

  @Post(':id/purge')
  @Idempotent({ effectInTransaction: true })
  @HttpCode(200)
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Hard-delete the rows of a deletion; the record stays, with purgedAt',
    description:
      'Role: admin. In one transaction, every kind before the workflows. 409 when the deletion was restored or purged already.',
  })
  @ApiErrors(400, 404, 409)
  @ApiIdParam()
  purge(
    @Param('id', ParseIdPipe) id: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PurgedDeletionDto> {
    return this.deletions.purge(principal, id);
  }
}
