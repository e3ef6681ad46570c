import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString } from 'class-validator';

export class PurgeRequestDto {
  /** Rows soft-deleted longer ago than this: `30d`, `12h` or `90m`. @example "30d" */
  @IsString()
  olderThan!: string;

  /** Only count what would be deleted. */
  @ApiProperty({ required: false, default: false })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class PurgeReportDto {
  /** @example false */
  dryRun!: boolean;

  @ApiProperty({ format: 'date-time', example: '2025-09-02T09:30:00.000Z' })
  deletedBefore!: string;

  /** Interviews hard-deleted (or, in a dry run, that would be). @example 120 */
  interviews!: number;

  /** @example 340 */
  todos!: number;

  /** @example 12 */
  workflows!: number;
}
