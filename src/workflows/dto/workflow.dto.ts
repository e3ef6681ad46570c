import { ApiProperty } from '@nestjs/swagger';
import { SoftDeletableDto } from '../../common/dto/soft-deletable.dto';
import type { Row } from '../../common/persistence/table-mapping';
import { ApiId } from '../../common/dto/api-properties';
import {
  WORKFLOW_STATUSES,
  type WorkflowEntity,
  type WorkflowStatus,
} from '../entities/workflow.entity';

/** A recruitment workflow (table recruitment_processes). */
export class WorkflowDto extends SoftDeletableDto implements Row<WorkflowEntity> {
  /** @example "Backend engineer, 2025 Q4" */
  name!: string;

  /** @example "Hiring loop for the platform team" */
  description!: string | null;

  @ApiProperty({ enum: WORKFLOW_STATUSES, enumName: 'WorkflowStatus', example: 'active' })
  status!: WorkflowStatus;

  /** The user id (token subject) that created the workflow. @example 7 */
  @ApiId({ nullable: true })
  createdBy!: number | null;
}
