import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { ToList } from '../../common/validation/decorators';
import { WORKFLOW_STATUSES, type WorkflowStatus } from '../entities/workflow.entity';

export class ListWorkflowsQueryDto extends PageQueryDto {
  @ApiProperty({ enum: WORKFLOW_STATUSES, enumName: 'WorkflowStatus', required: false })
  @IsOptional()
  @IsIn(WORKFLOW_STATUSES)
  status?: WorkflowStatus;
}

export class GetWorkflowQueryDto {
  /** The names are those of the linked kinds (LinkedKinds); an unknown one answers 400. */
  @ApiProperty({
    required: false,
    type: String,
    description: 'Comma-separated: embed the active linked rows of these kinds.',
  })
  @IsOptional()
  @ToList()
  @IsString({ each: true })
  include?: string[];
}
