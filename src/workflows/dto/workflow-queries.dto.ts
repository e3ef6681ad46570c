import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { ToList } from '../../common/validation/decorators';
import { WORKFLOW_STATUSES, type WorkflowStatus } from '../entities/workflow.entity';

/** Linked rows GET /workflows/:id can embed. */
export const WORKFLOW_INCLUDES = ['interviews', 'todos'] as const;
export type WorkflowInclude = (typeof WORKFLOW_INCLUDES)[number];

export class ListWorkflowsQueryDto extends PageQueryDto {
  @ApiProperty({ enum: WORKFLOW_STATUSES, enumName: 'WorkflowStatus', required: false })
  @IsOptional()
  @IsIn(WORKFLOW_STATUSES)
  status?: WorkflowStatus;
}

export class GetWorkflowQueryDto {
  @ApiProperty({
    required: false,
    type: String,
    description: 'Comma-separated: embed the active linked rows, `interviews`, `todos` or both.',
    example: 'interviews,todos',
  })
  @IsOptional()
  @ToList()
  @IsIn(WORKFLOW_INCLUDES, {
    each: true,
    message: `include must be a comma-separated list of: ${WORKFLOW_INCLUDES.join(', ')}`,
  })
  include?: WorkflowInclude[];
}
