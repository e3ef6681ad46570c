import { ApiProperty } from '@nestjs/swagger';
import { ApiId } from './api-properties';

/** Fields every resource answers with. */
export abstract class SoftDeletableDto {
  /** @example 42 */
  @ApiId()
  id!: number;

  @ApiProperty({ format: 'date-time', example: '2025-10-02T09:30:00.000Z' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', example: '2025-10-02T09:30:00.000Z' })
  updatedAt!: string;

  /**
   * Always false in answers to reads: soft-deleted rows are not found. True in the answer to a DELETE.
   * @example false
   */
  isDeleted!: boolean;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: null })
  deletedAt!: string | null;

  @ApiId({
    nullable: true,
    example: null,
    description:
      "The user id that soft-deleted the row, directly or by a workflow's cascade; null while active.",
  })
  deletedBy!: number | null;
}
