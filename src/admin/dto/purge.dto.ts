import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString } from 'class-validator';
import { ApiPropertyPerLinkedKind } from '../../workflows';
import { ApiCount } from '../../common/dto/api-properties';

export class PurgeRequestDto {
  /** Rows soft-deleted longer ago than this: a positive number of days, hours or minutes. @example "30d" */
  @ApiProperty({ pattern: '^[1-9][0-9]{0,5}[dhm]$' })
  @IsString()
  olderThan!: string;

  /** Only count what would be deleted. */
  @ApiProperty({ required: false, default: false })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

/** Also one count per linked kind. */
@ApiPropertyPerLinkedKind({
  property: (kind) => ({
    type: 'integer',
    minimum: 0,
    example: kind.exampleCount ?? 3,
    description: `${kind.label} rows hard-deleted (or, in a dry run, that would be).`,
  }),
})
export class PurgeReportDto {
  [kind: string]: boolean | string | number;

  /** @example false */
  dryRun!: boolean;

  @ApiProperty({ format: 'date-time', example: '2025-09-02T09:30:00.000Z' })
  deletedBefore!: string;

  /** @example 12 */
  @ApiCount()
  workflows!: number;

  /** Idempotency-Keys stored longer ago than IDEMPOTENCY_TTL (whatever olderThan), deleted or counted. @example 40 */
  @ApiCount()
  idempotencyKeys!: number;

  /** Change-feed events that occurred longer ago than EVENTS_RETENTION (whatever olderThan), deleted or counted. @example 1200 */
  @ApiCount()
  events!: number;

  /** Webhook deliveries made longer ago than EVENTS_RETENTION (whatever olderThan), deleted or counted. @example 2400 */
  @ApiCount()
  webhookDeliveries!: number;
}
