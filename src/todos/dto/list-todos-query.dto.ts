import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { IsEntityId, ToInteger } from '../../common/validation/decorators';
import { TODO_STATUSES, type TodoStatus } from '../entities/todo.entity';

export class ListTodosQueryDto extends PageQueryDto {
  /** Only todos of this workflow. @example 1 */
  @IsOptional()
  @ToInteger()
  @IsEntityId()
  workflowId?: number;

  @ApiProperty({ enum: TODO_STATUSES, enumName: 'TodoStatus', required: false })
  @IsOptional()
  @IsIn(TODO_STATUSES)
  status?: TodoStatus;

  /** Only todos of this owner. @example 456 */
  @IsOptional()
  @ToInteger()
  @IsEntityId()
  ownerId?: number;
}
