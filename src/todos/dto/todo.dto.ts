import { ApiProperty } from '@nestjs/swagger';
import { SoftDeletableDto } from '../../common/dto/soft-deletable.dto';
import type { Row } from '../../common/persistence/table-mapping';
import { TODO_STATUSES, type TodoEntity, type TodoStatus } from '../entities/todo.entity';
import { ApiId } from '../../common/dto/api-properties';

export class TodoDto extends SoftDeletableDto implements Row<TodoEntity> {
  /** @example 1 */
  @ApiId({ nullable: true })
  workflowId!: number | null;

  /** @example "Review resume" */
  title!: string;

  /** @example "Check the open-source contributions" */
  description!: string | null;

  /** @example 456 */
  @ApiId()
  ownerId!: number;

  @ApiProperty({ enum: TODO_STATUSES, enumName: 'TodoStatus', example: 'pending' })
  status!: TodoStatus;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    example: '2025-10-03T17:00:00.000Z',
  })
  dueDate!: string | null;
}

export class TodoPageDto {
  items!: TodoDto[];

  /** Pass as `cursor` to get the next page; null on the last page. @example "YzE6MjA6dEhSQlEyc3Y" */
  nextCursor!: string | null;
}
