import { ApiProperty } from '@nestjs/swagger';

/** The one error shape (docs/api.md). */
export class ErrorDto {
  /** The HTTP status, repeated. @example 404 */
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599 })
  statusCode!: number;

  /** @example "Not Found" */
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description:
      'What was wrong, in words a client developer can act on. One rule: a 400 lists its problems (an array of strings, one per problem, even when there is one); every other status has one string.',
    example: 'Workflow 42 not found',
  })
  message!: string | string[];
}
