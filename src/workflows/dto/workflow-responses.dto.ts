import { ApiProperty } from '@nestjs/swagger';
import { ApiPropertyPerLinkedKind, schemaRef } from '../linked-kinds/linked-kinds.openapi';
import { WorkflowDto } from './workflow.dto';

export class WorkflowPageDto {
  items!: WorkflowDto[];

  /** Pass as `cursor` to get the next page; null on the last page. @example "aWQ6MjA" */
  nextCursor!: string | null;
}

/**
 * GET /workflows/:id?include=...: one array of active rows per linked kind named. The linked
 * kinds are declared by other modules, so their properties are added to the OpenAPI document
 * from the declarations (describeLinkedKinds).
 */
@ApiPropertyPerLinkedKind({
  property: (kind) => ({
    type: 'array',
    items: schemaRef(kind.dto),
    description: `Active linked ${kind.name}, by id; present when include names ${kind.name}.`,
  }),
  required: false,
})
export class WorkflowWithLinksDto extends WorkflowDto {
  [kind: string]: unknown;
}

/** How many rows of each linked kind a delete or restore changed: one property per kind. */
@ApiPropertyPerLinkedKind({
  property: (kind) => ({ type: 'integer', minimum: 0, example: kind.exampleCount ?? 3 }),
})
export class LinkedRowCountsDto {
  [kind: string]: number;
}

export class DeletedWorkflowDto extends WorkflowDto {
  /** The linked rows this delete soft-deleted (rows deleted before are not counted). */
  @ApiProperty({ allOf: [schemaRef(LinkedRowCountsDto)] })
  cascaded!: LinkedRowCountsDto;
}

export class RestoredWorkflowDto extends WorkflowDto {
  /** The linked rows this restore brought back: those the workflow's delete had soft-deleted. */
  @ApiProperty({ allOf: [schemaRef(LinkedRowCountsDto)] })
  restored!: LinkedRowCountsDto;
}
