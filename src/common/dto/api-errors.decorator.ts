import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiResponse } from '@nestjs/swagger';
import { MAX_ID } from '../pagination/cursor';
import { ErrorDto } from './error.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: unknown or malformed fields, a bad id, a malformed cursor',
  401: 'No valid bearer token',
  403: "The token's role does not allow this",
  404: 'No such row, or it is soft-deleted',
  409: 'The row is not in a state that allows this',
  422: 'workflowId names no active workflow',
  500: 'Unexpected failure; nothing was changed',
  503: 'The database is unavailable; retry after the Retry-After header',
};

/** Documents error answers in the one error shape; every route can also answer 500 and 503. */
export const ApiErrors = (...statuses: number[]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ...[...statuses, 500, 503].map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorDto }),
    ),
  );

/** The `:id` path parameter of a route: a positive integer that fits the INT ids. */
export const ApiIdParam = (): MethodDecorator =>
  ApiParam({
    name: 'id',
    schema: { type: 'integer', minimum: 1, maximum: MAX_ID },
    example: 42,
  });

/** A controller whose routes need a bearer token: 401 without one, 403 for a role too low. */
export const ApiSecured = (): ClassDecorator =>
  applyDecorators(
    ApiBearerAuth(),
    ...[401, 403].map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorDto }),
    ),
  );
