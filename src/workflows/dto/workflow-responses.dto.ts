import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { WorkflowDto } from './workflow.dto';

export class WorkflowPageDto {
  items!: WorkflowDto[];

  /** Pass as `cursor` to get the next page; null on the last page. @example "aWQ6MjA" */
  nextCursor!: string | null;
}

/**
 * GET /workflows/:id?include=...: the linked rows are owned by the Interviews and Todos
 * modules, so their schemas are referenced by name rather than imported.
 */
export class WorkflowWithLinksDto extends WorkflowDto {
  @ApiProperty({
    required: false,
    type: 'array',
    items: { $ref: getSchemaPath('InterviewDto') },
    description: 'Active linked interviews, by id; present when include names interviews.',
  })
  interviews?: unknown[];

  @ApiProperty({
    required: false,
    type: 'array',
    items: { $ref: getSchemaPath('TodoDto') },
    description: 'Active linked todos, by id; present when include names todos.',
  })
  todos?: unknown[];
}

export class LinkedRowCountsDto {
  /** @example 3 */
  interviews!: number;

  /** @example 5 */
  todos!: number;
}

export class DeletedWorkflowDto extends WorkflowDto {
  /** The linked rows this delete soft-deleted (rows deleted before are not counted). */
  cascaded!: LinkedRowCountsDto;
}

export class RestoredWorkflowDto extends WorkflowDto {
  /** The linked rows this restore brought back: those the workflow's delete had soft-deleted. */
  restored!: LinkedRowCountsDto;
}
