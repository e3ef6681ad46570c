import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { ApiPropertyPerLinkedKind, schemaRef } from '../../workflows';
import { ApiCount, ApiId } from '../../common/dto/api-properties';

export class OrphanDto {
  /** @example 17 */
  @ApiId()
  id!: number;

  /** @example 4 */
  @ApiId()
  workflowId!: number;

  @ApiProperty({ enum: ['deleted_workflow', 'missing_workflow'], enumName: 'OrphanReason' })
  reason!: 'deleted_workflow' | 'missing_workflow';
}

export class OrphanListDto {
  /** Active rows linked to a soft-deleted workflow. @example 2 */
  @ApiCount()
  deletedWorkflow!: number;

  /** Active rows linked to a workflow id that does not exist. @example 0 */
  @ApiCount()
  missingWorkflow!: number;

  /** The orphans of this page, by id (`limit` at most). */
  items!: OrphanDto[];

  /** The route's next page of this kind's orphans, or null when these are all. @example "/admin/orphans?kind=todos&limit=20&cursor=YzE6MjA6dEhSQlEyc3Y" */
  next!: string | null;
}

/** `GET /admin/orphans`: `?limit=` orphans per kind, or `?kind=` alone, paged with `cursor`. */
export class OrphansQueryDto extends PageQueryDto {
  /** Only this linked kind's report (its name, as in its route). @example "todos" */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  kind?: string;
}

/** One property per linked kind. */
@ApiPropertyPerLinkedKind({
  property: () => schemaRef(OrphanListDto),
  models: [OrphanListDto],
  // with ?kind= the answer has that kind alone
  required: false,
})
export class OrphansReportDto {
  [kind: string]: OrphanListDto;
}

export class OrphanRepairCountsDto {
  /** Active rows of deleted workflows now soft-deleted, as the cascade would have. @example 2 */
  @ApiCount()
  softDeleted!: number;

  /** Rows whose workflow no longer exists, now unlinked (workflow_id NULL). @example 0 */
  @ApiCount()
  unlinked!: number;
}

/** One property per linked kind. */
@ApiPropertyPerLinkedKind({
  property: () => schemaRef(OrphanRepairCountsDto),
  models: [OrphanRepairCountsDto],
})
export class OrphanRepairDto {
  [kind: string]: OrphanRepairCountsDto;
}
