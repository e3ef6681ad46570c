import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiSecured } from '../common/dto/api-errors.decorator';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/roles';
import { AdminService } from './admin.service';
import { PurgeReportDto, PurgeRequestDto } from './dto/purge.dto';
import { PurgeService } from './purge.service';
import { OrphanRepairDto, OrphansQueryDto, OrphansReportDto } from './dto/orphans.dto';

@ApiTags('admin')
@ApiSecured()
@RequireRole('admin')
@Controller('admin')
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly purges: PurgeService,
  ) {}

  @Get('orphans')
  @ApiOperation({
    summary:
      'List the active linked rows whose workflow is soft-deleted or missing, per linked kind',
    description:
      "Role: admin. The caller's organization only. Such rows appear only when the cascade was bypassed (rows written by hand, foreign key checks turned off). Per linked kind: the counts and the first `limit` rows by id, with `next` (the URL of the kind's next page, `?kind=&cursor=`) when there are more; `?kind=` answers that kind alone.",
  })
  @ApiErrors(400)
  findOrphans(
    @Query() query: OrphansQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OrphansReportDto> {
    return this.admin.findOrphans(principal, query);
  }

  @Post('orphans/repair')
  @Idempotent({ effectInTransaction: true })
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Soft-delete the active rows of deleted workflows (restorable with the workflow) and unlink rows whose workflow is gone',
    description:
      "Role: admin. The caller's organization only. One transaction; the answer counts the rows changed. Its events (GET /events): `<event>.deleted` per active row soft-deleted, `<event>.updated` per active row unlinked, `deletion.created` per deletion recorded for a workflow soft-deleted outside the service.",
  })
  @ApiErrors()
  repairOrphans(@CurrentPrincipal() principal: Principal): Promise<OrphanRepairDto> {
    return this.admin.repairOrphans(principal);
  }

  @Post('purge')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Hard-delete rows soft-deleted longer ago than olderThan, linked rows before workflows, in batches',
    description:
      "Role: admin. The caller's organization only (`npm run purge` covers every organization). `olderThan` is an age such as `30d`, `12h` or `90m`; `dryRun: true` only counts. Batches of 1,000 rows, each its own transaction.",
  })
  @ApiErrors(400)
  purge(
    @Body() dto: PurgeRequestDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PurgeReportDto> {
    return this.purges.purge(principal, dto.olderThan, dto.dryRun ?? false);
  }
}
