import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { IsEntityId, ToInteger } from '../../common/validation/decorators';
import { INTERVIEW_STATUSES, type InterviewStatus } from '../entities/interview.entity';

export class ListInterviewsQueryDto extends PageQueryDto {
  /** Only interviews of this workflow. @example 1 */
  @IsOptional()
  @ToInteger()
  @IsEntityId()
  workflowId?: number;

  @ApiProperty({ enum: INTERVIEW_STATUSES, enumName: 'InterviewStatus', required: false })
  @IsOptional()
  @IsIn(INTERVIEW_STATUSES)
  status?: InterviewStatus;
}
