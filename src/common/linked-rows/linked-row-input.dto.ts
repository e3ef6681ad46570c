import { IsEntityId, IsOptionalOrNull, IsText } from '../validation/decorators';

export const MAX_DESCRIPTION_LENGTH = 10_000;

/** Fields interviews and todos both take on creation. */
export abstract class LinkedRowInputDto {
  /** @example "Technical interview" */
  @IsText(1, 255)
  title!: string;

  /** @example "Pairing exercise, 60 minutes" */
  @IsOptionalOrNull()
  @IsText(0, MAX_DESCRIPTION_LENGTH)
  description?: string | null;

  /**
   * The workflow this row belongs to: an active workflow, else 422. Null or absent: none.
   * @example 1
   */
  @IsOptionalOrNull()
  @IsEntityId()
  workflowId?: number | null;
}
