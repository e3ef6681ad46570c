import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger as Pino } from 'pino';
import { isDatabaseUnavailable } from './database-errors';
import { DomainError, DomainErrorKind } from './domain-errors';
import { ErrorBody, errorBody } from './error-shape';

export const STATUS_OF: Record<DomainErrorKind, number> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
  precondition_failed: 412,
  precondition_required: 428,
};

export const UNAVAILABLE_MESSAGE = 'The database is unavailable; retry the request later.';
const RETRY_AFTER_SECONDS = '1';

/** The challenge of every 401: a bearer token. */
export const WWW_AUTHENTICATE = 'Bearer';

/**
 * Maps every error that leaves a handler to the one error shape of docs/api.md, and logs the
 * unexpected ones with the request's id (taken from the request itself: no per-request
 * continuation-local storage, which costs every request on Node 20).
 */
@Catch()
export class ErrorShapeFilter implements ExceptionFilter {
  constructor(private readonly logger: Pino) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const body = this.toBody(exception, http.getRequest<FastifyRequest>().id);
    if (body.statusCode === 503) reply.header('Retry-After', RETRY_AFTER_SECONDS);
    // RFC 6750: a 401 names the scheme that would be accepted
    if (body.statusCode === 401) reply.header('WWW-Authenticate', WWW_AUTHENTICATE);
    if (exception instanceof DomainError && exception.retryAfterSeconds !== undefined) {
      reply.header('Retry-After', String(exception.retryAfterSeconds));
    }
    void reply.status(body.statusCode).send(body);
  }

  private toBody(exception: unknown, reqId: string): ErrorBody {
    if (exception instanceof DomainError) {
      if (exception.cause !== undefined) {
        this.logger.warn(
          { reqId, context: 'Errors' },
          `${exception.message} (${describe(exception.cause)})`,
        );
      }
      return errorBody(STATUS_OF[exception.kind], exception.message);
    }
    if (exception instanceof HttpException) {
      return fromHttpException(exception);
    }
    if (isFrameworkClientError(exception)) {
      return errorBody(exception.statusCode, exception.message);
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(
        { reqId, context: 'Errors' },
        `database unavailable: ${describe(exception)}`,
      );
      return errorBody(503, UNAVAILABLE_MESSAGE);
    }
    this.logger.error({ reqId, context: 'Errors', err: loggable(exception) }, describe(exception));
    return errorBody(500, 'An unexpected error occurred; the request was not completed.');
  }
}

function fromHttpException(exception: HttpException): ErrorBody {
  const statusCode = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'string') return errorBody(statusCode, response);
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string' || (Array.isArray(message) && message.every(isString))) {
    return errorBody(statusCode, message);
  }
  return errorBody(statusCode, exception.message);
}

/** Fastify's own 4xx errors (malformed JSON, body too large, unsupported media type). */
function isFrameworkClientError(e: unknown): e is { statusCode: number; message: string } {
  const statusCode = (e as { statusCode?: unknown } | null)?.statusCode;
  return (
    typeof statusCode === 'number' &&
    statusCode >= 400 &&
    statusCode < 500 &&
    typeof (e as { message?: unknown }).message === 'string'
  );
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/**
 * What of an error goes into the log: its class, message, driver code and stack. Not the SQL
 * parameters TypeORM attaches to a failed query: they hold what clients sent (candidate data).
 * The copy keeps the error's prototype, so that pino's err serializer names its class.
 */
function loggable(exception: unknown): object {
  if (!(exception instanceof Error)) return { message: String(exception) };
  const { code } = exception as { code?: unknown };
  return Object.assign(Object.create(Object.getPrototypeOf(exception) as object) as object, {
    message: exception.message,
    code,
    stack: exception.stack,
  });
}

function describe(exception: unknown): string {
  return exception instanceof Error ? `${exception.name}: ${exception.message}` : String(exception);
}
