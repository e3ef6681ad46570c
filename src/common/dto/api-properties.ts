import { ApiProperty } from '@nestjs/swagger';
import { MAX_ID } from '../validation/limits';

/**
 * Numbers in this API are integers: ids and user ids (INT columns) and counts. The Swagger
 * plugin describes a TypeScript `number` as `type: number`; these say `integer` and its range.
 */

/** An id or user id in an answer: an INT column's positive integer. */
export const ApiId = (
  options: { nullable?: boolean; description?: string; example?: number | null } = {},
) => ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_ID, ...options });

/** A count of rows in an answer. */
export const ApiCount = (options: { description?: string; example?: number } = {}) =>
  ApiProperty({ type: 'integer', minimum: 0, ...options });
