import { ApiProperty } from '@nestjs/swagger';
import { SoftDeletableDto } from '../../common/dto/soft-deletable.dto';
import type { Row } from '../../common/persistence/table-mapping';
import {
  INTERVIEW_STATUSES,
  type InterviewEntity,
  type InterviewStatus,
} from '../entities/interview.entity';
import { ApiId } from '../../common/dto/api-properties';

export class InterviewDto extends SoftDeletableDto implements Row<InterviewEntity> {
  /** @example 1 */
  @ApiId({ nullable: true })
  workflowId!: number | null;

  /** @example "Technical interview" */
  title!: string;

  /** @example "Pairing exercise, 60 minutes" */
  description!: string | null;

  /** @example 456 */
  @ApiId()
  candidateId!: number;

  /** @example 789 */
  @ApiId()
  recruiterId!: number;

  @ApiProperty({ enum: INTERVIEW_STATUSES, enumName: 'InterviewStatus', example: 'scheduled' })
  status!: InterviewStatus;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    example: '2025-10-02T09:30:00.000Z',
  })
  scheduledStart!: string | null;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    example: '2025-10-02T10:30:00.000Z',
  })
  scheduledEnd!: string | null;

  /** @example "Room 4.12" */
  location!: string | null;

  /** @example "https://meet.example.com/abc-defg-hij" */
  meetingUrl!: string | null;
}

export class InterviewPageDto {
  items!: InterviewDto[];

  /** Pass as `cursor` to get the next page; null on the last page. @example "YzE6MjA6dEhSQlEyc3Y" */
  nextCursor!: string | null;
}
