import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsUrl, MaxLength } from 'class-validator';
import { LinkedRowInputDto } from '../../workflows';
import {
  IsEntityId,
  IsOptionalNotNull,
  IsOptionalOrNull,
  IsText,
  IsTimestamp,
} from '../../common/validation/decorators';
import { INTERVIEW_STATUSES, type InterviewStatus } from '../entities/interview.entity';

export class CreateInterviewDto extends LinkedRowInputDto {
  /** @example 456 */
  @IsEntityId()
  candidateId!: number;

  /** @example 789 */
  @IsEntityId()
  recruiterId!: number;

  @ApiProperty({
    enum: INTERVIEW_STATUSES,
    enumName: 'InterviewStatus',
    default: 'scheduled',
    required: false,
  })
  @IsOptionalNotNull()
  @IsIn(INTERVIEW_STATUSES)
  status?: InterviewStatus;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    required: false,
    example: '2025-10-02T09:30:00.000Z',
  })
  @IsOptionalOrNull()
  @IsTimestamp()
  scheduledStart?: string | null;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    required: false,
    description: 'Must be after scheduledStart.',
    example: '2025-10-02T10:30:00.000Z',
  })
  @IsOptionalOrNull()
  @IsTimestamp()
  scheduledEnd?: string | null;

  /** @example "Room 4.12" */
  @IsOptionalOrNull()
  @IsText(0, 255)
  location?: string | null;

  /** An http(s) URL. @example "https://meet.example.com/abc-defg-hij" */
  @IsOptionalOrNull()
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'meetingUrl must be an http(s) URL' },
  )
  @MaxLength(2048)
  meetingUrl?: string | null;
}
