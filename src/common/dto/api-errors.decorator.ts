import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiResponse } from '@nestjs/swagger';
import { MAX_ID } from '../validation/limits';
import { ErrorDto } from './error.dto';

/** What each error answer means, and an example body of it in the one error shape. */
const ERRORS: Record<number, { description: string; error: string; message: string | string[] }> = {
  400: {
    description: 'Invalid input: unknown or malformed fields, a bad id, a malformed cursor',
    error: 'Bad Request',
    message: ['name must be shorter than or equal to 255 characters'],
  },
  401: {
    description: 'No valid bearer token',
    error: 'Unauthorized',
    message: 'Send Authorization: Bearer <token>',
  },
  403: {
    description: "The token's role does not allow this",
    error: 'Forbidden',
    message: 'This needs the editor role; the token has viewer',
  },
  404: {
    description: 'No such row, or it is soft-deleted',
    error: 'Not Found',
    message: 'Workflow 42 not found',
  },
  409: {
    description: 'The row is not in a state that allows this',
    error: 'Conflict',
    message: 'Workflow 42 is not deleted',
  },
  422: {
    description: 'workflowId names no active workflow',
    error: 'Unprocessable Entity',
    message: 'workflowId 42 does not name an active workflow',
  },
  500: {
    description: 'Unexpected failure; nothing was changed',
    error: 'Internal Server Error',
    message: 'An unexpected error occurred; the request was not completed.',
  },
  503: {
    description: 'The database is unavailable; retry after the Retry-After header',
    error: 'Service Unavailable',
    message: 'The database is unavailable; retry the request later.',
  },
};

function errorResponse(status: number): MethodDecorator & ClassDecorator {
  const { description, error, message } = ERRORS[status];
  return ApiResponse({
    status,
    description,
    type: ErrorDto,
    example: { statusCode: status, error, message },
  });
}

/** Documents error answers in the one error shape; every route can also answer 500 and 503. */
export const ApiErrors = (...statuses: number[]): MethodDecorator & ClassDecorator =>
  applyDecorators(...[...statuses, 500, 503].map(errorResponse));

/** The `:id` path parameter of a route: a positive integer that fits the INT ids. */
export const ApiIdParam = (): MethodDecorator =>
  ApiParam({
    name: 'id',
    schema: { type: 'integer', minimum: 1, maximum: MAX_ID },
    example: 42,
  });

/** A controller whose routes need a bearer token: 401 without one, 403 for a role too low. */
export const ApiSecured = (): ClassDecorator =>
  applyDecorators(ApiBearerAuth(), ...[401, 403].map(errorResponse));
