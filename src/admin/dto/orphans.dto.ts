import { ApiProperty } from '@nestjs/swagger';
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

  /** The first orphans by id (at most 1000). */
  items!: OrphanDto[];
}

/** One property per linked kind. */
@ApiPropertyPerLinkedKind({ property: () => schemaRef(OrphanListDto), models: [OrphanListDto] })
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
