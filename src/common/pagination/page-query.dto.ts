import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsPageCursor, ToInteger } from '../validation/decorators';

export const MAX_PAGE_SIZE = 100;

/** `?limit=&cursor=` of every list route. */
export class PageQueryDto {
  /** Items per page. */
  @ApiProperty({
    required: false,
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: 20,
  })
  @IsOptional()
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = 20;

  /** `nextCursor` of the previous page; omit for the first page. */
  @IsOptional()
  @IsPageCursor()
  cursor?: string;
}
