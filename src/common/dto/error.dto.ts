import { ApiProperty } from '@nestjs/swagger';

/** The one error shape (docs/api.md). */
export class ErrorDto {
  /** @example 404 */
  statusCode!: number;

  /** @example "Not Found" */
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description:
      'What was wrong, in words a client developer can act on; for validation, one entry per problem.',
    example: 'Workflow 42 not found',
  })
  message!: string | string[];
}
