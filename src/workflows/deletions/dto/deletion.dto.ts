import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
} from 'class-validator';
import { IsEntityId, IsText } from '../../../common/validation/decorators';
import { ApiPropertyPerLinkedKind } from '../../linked-kinds/linked-kinds.openapi';
import { MAX_REASON_LENGTH } from './deletion-queries.dto';
import { ApiId } from '../../../common/dto/api-properties';

/** At most this many ids in one bulk deletion. */
export const MAX_BULK_IDS = 100;

/** Rows per kind: `workflows` and one property per linked kind. */
@ApiPropertyPerLinkedKind({
  property: (kind) => ({ type: 'integer', minimum: 0, example: kind.exampleCount ?? 3 }),
})
export class DeletionCountsDto {
  [kind: string]: number;

  /** @example 1 */
  @ApiProperty({ type: 'integer', minimum: 0, example: 1 })
  workflows!: number;
}

/** One soft delete, as a record: what it deleted, why, by whom, and what became of it. */
export class DeletionDto {
  /** @example 17 */
  @ApiId()
  id!: number;

  /** The kind deleted directly, named as its route: `workflows` or a linked kind's name. @example "workflows" */
  resource!: string;

  /** The ids of the rows deleted directly. @example [3] */
  @ApiProperty({ type: 'integer', isArray: true, example: [3] })
  ids!: number[];

  /** Why, as the deleting client said (`?reason=`, or `reason` of a bulk deletion). @example "duplicate of workflow 12" */
  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: MAX_REASON_LENGTH,
    example: 'duplicate of workflow 12',
  })
  reason!: string | null;

  @ApiProperty({ format: 'date-time', example: '2025-10-02T09:30:00.000Z' })
  deletedAt!: string;

  /** The user id that deleted (null only for deletions made before the service recorded it). */
  @ApiProperty({ type: 'integer', nullable: true, example: 7 })
  deletedBy!: number | null;

  /** Rows soft-deleted per kind, the direct ones included. */
  @ApiProperty({ type: () => DeletionCountsDto })
  counts!: DeletionCountsDto;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: null })
  restoredAt!: string | null;

  @ApiProperty({ type: 'integer', nullable: true, example: null })
  restoredBy!: number | null;

  /** When its rows were hard-deleted; the record stays. */
  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: null })
  purgedAt!: string | null;
}

export class DeletionPageDto {
  items!: DeletionDto[];

  /** Pass as `cursor` to get the next page; null on the last page. @example "aWQ6MjA" */
  nextCursor!: string | null;
}

/** POST /deletions/:id/restore: the record, restored, and what came back. */
export class RestoredDeletionDto extends DeletionDto {
  /** Rows brought back per kind. */
  @ApiProperty({ type: () => DeletionCountsDto })
  restored!: DeletionCountsDto;

  /** Rows of the deletion hard-deleted meanwhile (by retention), which could not come back. */
  @ApiProperty({ type: () => DeletionCountsDto })
  missing!: DeletionCountsDto;
}

/** POST /deletions/:id/purge: the record, purged, and how many rows were hard-deleted per kind. */
export class PurgedDeletionDto extends DeletionDto {
  @ApiProperty({ type: () => DeletionCountsDto })
  purged!: DeletionCountsDto;
}

/** POST /deletions: soft-delete up to 100 rows of one resource, and everything linked to them. */
export class BulkDeletionDto {
  /** `workflows` or a linked kind's name (400 otherwise). @example "workflows" */
  @IsString()
  resource!: string;

  /** Distinct positive ids, 1 to 100 of them. @example [3, 4, 9] */
  @ApiProperty({
    type: 'integer',
    isArray: true,
    minItems: 1,
    maxItems: MAX_BULK_IDS,
    uniqueItems: true,
    example: [3, 4, 9],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_IDS)
  @ArrayUnique()
  @IsEntityId({ each: true })
  ids!: number[];

  /** Kept in the record. @example "candidate withdrew" */
  @ApiProperty({ required: false, maxLength: MAX_REASON_LENGTH })
  @IsOptional()
  @IsText(1, MAX_REASON_LENGTH)
  reason?: string;

  /** `true`: answer 200 with the counts the deletion would have, and change nothing. */
  @ApiProperty({ required: false, default: false })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

/** A deletion's preview (`dryRun: true`): what it would soft-delete; nothing changed. */
export class DeletionPreviewDto {
  /** @example true */
  dryRun!: boolean;

  /** @example "workflows" */
  resource!: string;

  @ApiProperty({ type: 'integer', isArray: true, example: [3, 4, 9] })
  ids!: number[];

  /** Rows the deletion would soft-delete per kind, the direct ones included. */
  @ApiProperty({ type: () => DeletionCountsDto })
  counts!: DeletionCountsDto;
}

/** GET /deletions/:id/rows: one page of the rows of one kind that the deletion holds (soft-deleted by it, not restored or purged since). */
export class DeletionRowsPageDto {
  /** Each row as its kind's route shows it (the schema of that kind: `WorkflowDto`, `TodoDto`, ...), deleted. */
  @ApiProperty({
    type: 'object',
    isArray: true,
    additionalProperties: true,
    example: [
      {
        id: 5,
        title: 'Phone screen',
        workflowId: 3,
        isDeleted: true,
        deletedAt: '2025-10-02T09:30:00.000Z',
        deletedBy: 7,
      },
    ],
  })
  items!: Array<Record<string, unknown>>;

  /** Pass as `cursor` to get the next page; null on the last page. @example "aWQ6MjA" */
  nextCursor!: string | null;
}
