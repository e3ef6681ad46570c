import { ApiProperty } from '@nestjs/swagger';
import { ApiPropertyPerLinkedKind, schemaRef } from '../../workflows';

export class OrphanDto {
  /** @example 17 */
  id!: number;

  /** @example 4 */
  workflowId!: number;

  @ApiProperty({ enum: ['deleted_workflow', 'missing_workflow'], enumName: 'OrphanReason' })
  reason!: 'deleted_workflow' | 'missing_workflow';
}

export class OrphanListDto {
  /** Active rows linked to a soft-deleted workflow. @example 2 */
  deletedWorkflow!: number;

  /** Active rows linked to a workflow id that does not exist. @example 0 */
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
  softDeleted!: number;

  /** Rows whose workflow no longer exists, now unlinked (workflow_id NULL). @example 0 */
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
