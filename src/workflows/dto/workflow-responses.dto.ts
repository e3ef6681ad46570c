import { ApiProperty } from '@nestjs/swagger';
import { ApiPropertyPerLinkedKind, schemaRef } from '../linked-kinds/linked-kinds.openapi';
import { WorkflowDto } from './workflow.dto';

export class WorkflowPageDto {
  items!: WorkflowDto[];

  /** Pass as `cursor` to get the next page; null on the last page. @example "YzE6MjA6dEhSQlEyc3Y" */
  nextCursor!: string | null;
}

export class IncludedKindDto {
  /** How many active rows of this kind link to the workflow; at most 100 are embedded. @example 250 */
  @ApiProperty({ type: 'integer', minimum: 0, example: 250 })
  total!: number;

  /** The list route's page that follows the embedded rows, or null when they are all embedded. */
  next!: string | null;
}

/** For each kind named in include: how many rows there are in all, and where the rest are. */
@ApiPropertyPerLinkedKind({
  property: (kind) => ({
    allOf: [schemaRef(IncludedKindDto)],
    example: { total: 250, next: `/${kind.name}?workflowId=7&cursor=YzE6MTAwOnZURXk5WXY2` },
  }),
  required: false,
  models: [IncludedKindDto],
})
export class IncludedRowsDto {
  [kind: string]: IncludedKindDto;
}

/**
 * GET /workflows/:id?include=...: for each linked kind named, its first 100 active rows in id
 * order, and under `included` how many there are in all. The linked kinds are declared by other
 * modules, so their properties are added to the OpenAPI document from the declarations
 * (describeLinkedKinds).
 */
@ApiPropertyPerLinkedKind({
  property: (kind) => ({
    type: 'array',
    items: schemaRef(kind.dto),
    maxItems: 100,
    description: `The first 100 active linked ${kind.name}, by id; present when include names ${kind.name} (\`included.${kind.name}\` has the total and the next page).`,
  }),
  required: false,
})
export class WorkflowWithLinksDto extends WorkflowDto {
  [kind: string]: unknown;

  /** Present with include: per kind named, the count of its rows and the next page of the rest. */
  @ApiProperty({ required: false, allOf: [schemaRef(IncludedRowsDto)] })
  included?: IncludedRowsDto;
}

/** How many rows of each linked kind a delete or restore changed: one property per kind. */
@ApiPropertyPerLinkedKind({
  property: (kind) => ({ type: 'integer', minimum: 0, example: kind.exampleCount ?? 3 }),
})
export class LinkedRowCountsDto {
  [kind: string]: number;
}

const COUNT = { type: 'integer', minimum: 0 } as const;

export class DeletedWorkflowDto extends WorkflowDto {
  /**
   * The linked rows this delete soft-deleted (rows deleted before are not counted); with
   * `dryRun`, those it would soft-delete. Always in DELETE's answer; absent from the
   * `workflow.deleted` events of `POST /deletions`, whose cascade is counted per deletion (its
   * `deletion.created`), not per workflow.
   */
  @ApiProperty({
    required: false,
    allOf: [schemaRef(LinkedRowCountsDto)],
    additionalProperties: COUNT,
  })
  cascaded?: LinkedRowCountsDto;

  /** The deletion's record (`GET /deletions/:id`); absent from a dry run's answer. @example 17 */
  @ApiProperty({ required: false, type: 'integer', example: 17 })
  deletionId?: number;

  /** Present, true, in a dry run's answer: nothing changed, the workflow is as it was. @example true */
  @ApiProperty({ required: false, example: true })
  dryRun?: boolean;
}

export class RestoredWorkflowDto extends WorkflowDto {
  /** The linked rows this restore brought back: those the workflow's delete had soft-deleted. */
  @ApiProperty({ allOf: [schemaRef(LinkedRowCountsDto)], additionalProperties: COUNT })
  restored!: LinkedRowCountsDto;
}
