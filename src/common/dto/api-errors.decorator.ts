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
  429: {
    description:
      'Past the rate limit of this client address (every request counts, on any route); retry after the Retry-After header',
    error: 'Too Many Requests',
    message: 'Too many requests from this address (600 a minute); retry in 42 s.',
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

const RETRY_AFTER = {
  description: 'Seconds to wait before retrying',
  schema: { type: 'integer', example: 42 },
} as const;

/** The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers) of a counted answer. */
const RATE_LIMIT_HEADERS = {
  RateLimit: {
    description: 'Requests left in the window (r) and seconds until it resets (t)',
    schema: { type: 'string', example: '"per-address";r=0;t=42' },
  },
  'RateLimit-Policy': {
    description: 'Requests allowed (q) per window of w seconds, per client address',
    schema: { type: 'string', example: '"per-address";q=600;w=60' },
  },
} as const;

function errorResponse(status: number): MethodDecorator & ClassDecorator {
  const { description, error, message } = ERRORS[status];
  const headers =
    status === 429
      ? { 'Retry-After': RETRY_AFTER, ...RATE_LIMIT_HEADERS }
      : status === 503
        ? { 'Retry-After': RETRY_AFTER }
        : undefined;
  return ApiResponse({
    status,
    description,
    type: ErrorDto,
    example: { statusCode: status, error, message },
    headers,
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

/**
 * A controller whose routes need a bearer token: 401 without one, 403 for a role too low; and
 * 429 past the rate limit, which counts every route but /health.
 */
export const ApiSecured = (): ClassDecorator =>
  applyDecorators(ApiBearerAuth(), ...[401, 403, 429].map(errorResponse));
