import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { IsOptionalNotNull, IsOptionalOrNull, IsText } from '../../common/validation/decorators';
import { MAX_DESCRIPTION_LENGTH } from '../../common/validation/limits';
import { WORKFLOW_STATUSES, type WorkflowStatus } from '../entities/workflow.entity';

export class CreateWorkflowDto {
  /** @example "Backend engineer, 2025 Q4" */
  @IsText(1, 255)
  name!: string;

  /** @example "Hiring loop for the platform team" */
  @IsOptionalOrNull()
  @IsText(0, MAX_DESCRIPTION_LENGTH)
  description?: string | null;

  @ApiProperty({
    enum: WORKFLOW_STATUSES,
    enumName: 'WorkflowStatus',
    default: 'draft',
    required: false,
  })
  @IsOptionalNotNull()
  @IsIn(WORKFLOW_STATUSES)
  status?: WorkflowStatus;
}
