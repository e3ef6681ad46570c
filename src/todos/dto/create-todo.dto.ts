import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { LinkedRowInputDto } from '../../workflows';
import {
  IsEntityId,
  IsOptionalNotNull,
  IsOptionalOrNull,
  IsTimestamp,
} from '../../common/validation/decorators';
import { TODO_STATUSES, type TodoStatus } from '../entities/todo.entity';

export class CreateTodoDto extends LinkedRowInputDto {
  /** @example 456 */
  @IsEntityId()
  ownerId!: number;

  @ApiProperty({ enum: TODO_STATUSES, enumName: 'TodoStatus', default: 'pending', required: false })
  @IsOptionalNotNull()
  @IsIn(TODO_STATUSES)
  status?: TodoStatus;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    required: false,
    example: '2025-10-03T17:00:00.000Z',
  })
  @IsOptionalOrNull()
  @IsTimestamp()
  dueDate?: string | null;
}
