import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ToInteger } from '../../common/validation/decorators';

/** `GET /events?after=&limit=&types=`. */
export class EventsQueryDto {
  /** The id of the last event the consumer processed; omit (or 0) to start at the oldest kept. @example "1042" */
  @ApiProperty({
    required: false,
    type: String,
    pattern: '^(0|[1-9][0-9]{0,17})$',
    example: '1042',
  })
  @IsOptional()
  @IsString()
  @Matches(/^(0|[1-9]\d{0,17})$/, { message: 'after must be an event id (digits, as given in id)' })
  after?: string;

  /** Events per answer. */
  @ApiProperty({ required: false, type: 'integer', minimum: 1, maximum: 100, default: 100 })
  @IsOptional()
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 100;

  /** Comma-separated event types; omit for every type. @example "workflow.deleted,deletion.created" */
  @ApiProperty({ required: false, type: String, example: 'workflow.deleted,deletion.created' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9_]*\.[a-z]+(,[a-z][a-z0-9_]*\.[a-z]+)*$/, {
    message: 'types must be a comma-separated list of event types such as workflow.deleted',
  })
  types?: string;
}

/** One change, as the outbox recorded it in the transaction of the change. */
export class EventDto {
  /** Increasing; a string (compare it as an integer). Dedupe on it. @example "1043" */
  @ApiProperty({ type: String, pattern: '^[1-9][0-9]*$', example: '1043' })
  id!: string;

  /** `<kind>.<verb>`. @example "workflow.deleted" */
  @ApiProperty({ type: String, example: 'workflow.deleted' })
  type!: string;

  /** When the change was made (the service's clock; the resource's own timestamps). */
  @ApiProperty({ format: 'date-time', example: '2025-10-02T09:30:00.000Z' })
  occurredAt!: string;

  /** The user id (the token's `sub`) that made the change; null for jobs. */
  @ApiProperty({ type: 'integer', nullable: true, example: 7 })
  actor!: number | null;

  /** The resource as the API answered the change (see each type's schema). */
  @ApiProperty({ type: 'object', additionalProperties: true })
  data!: Record<string, unknown>;
}

/** One answer of the feed. */
export class EventPageDto {
  @ApiProperty({ type: EventDto, isArray: true })
  items!: EventDto[];

  /** Pass it as `after` in the next poll: the last item's id, or `after` when there was none. @example "1043" */
  @ApiProperty({ type: String, example: '1043' })
  nextAfter!: string;
}
