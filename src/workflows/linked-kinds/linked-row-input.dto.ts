import { IsEntityId, IsOptionalOrNull, IsText } from '../../common/validation/decorators';
import { MAX_DESCRIPTION_LENGTH } from '../../common/validation/limits';

/** Fields that the linked kinds of this service share on creation: a title, a description, the link. */
export abstract class LinkedRowInputDto {
  /** @example "Technical screen" */
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
