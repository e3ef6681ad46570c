import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';
import { IsEntityId, IsText, IsTimestamp, ToInteger } from '../../../common/validation/decorators';

/** At most this many characters in a deletion's reason. */
export const MAX_REASON_LENGTH = 500;

/** `true`/`false` in a query string; anything else is left for IsBoolean to reject. */
const ToBoolean = () =>
  Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  );

/** `?reason=` of every soft delete. */
export class SoftDeleteQueryDto {
  /** Why the rows are deleted: kept in the deletion's record. @example "duplicate of workflow 12" */
  @ApiProperty({ required: false, maxLength: MAX_REASON_LENGTH })
  @IsOptional()
  @IsText(1, MAX_REASON_LENGTH)
  reason?: string;
}

/** `DELETE /workflows/:id?reason=&dryRun=`. */
export class DeleteWorkflowQueryDto extends SoftDeleteQueryDto {
  /** `true`: answer what the delete would soft-delete, and change nothing. */
  @ApiProperty({ required: false, type: Boolean, default: false })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  dryRun?: boolean;
}

/** `GET /deletions`: the trash's filters. */
export class ListDeletionsQueryDto extends PageQueryDto {
  /** The kind deleted directly: `workflows` or a linked kind's name (400 otherwise). @example "workflows" */
  @IsOptional()
  @IsString()
  resource?: string;

  /** The user id that deleted. @example 42 */
  @ApiProperty({ required: false, type: 'integer', minimum: 1 })
  @IsOptional()
  @ToInteger()
  @IsEntityId()
  deletedBy?: number;

  /** `true`: only restored deletions; `false`: only those not restored. */
  @ApiProperty({ required: false, type: Boolean })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  restored?: boolean;

  /** Deleted at or after this instant. @example "2025-10-01T00:00:00.000Z" */
  @ApiProperty({ required: false, format: 'date-time' })
  @IsOptional()
  @IsTimestamp()
  since?: string;

  /** Deleted before this instant. @example "2025-11-01T00:00:00.000Z" */
  @ApiProperty({ required: false, format: 'date-time' })
  @IsOptional()
  @IsTimestamp()
  until?: string;
}

/** `GET /deletions/:id/rows?resource=`. */
export class DeletionRowsQueryDto extends PageQueryDto {
  /** The kind whose rows to list: `workflows` or a linked kind's name (400 otherwise). @example "todos" */
  @IsString()
  resource!: string;
}
