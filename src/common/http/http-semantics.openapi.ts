import type { OpenAPIObject } from '@nestjs/swagger';
import type {
  OperationObject,
  ParameterObject,
  ResponseObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { IDEMPOTENCY_EXTENSION } from '../idempotency/idempotent.decorator';
import { ENTITY_TAG_EXTENSION } from './conditional-requests';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const ETAG = {
  description: 'Strong entity tag of the row as answered (from its version); send it in If-Match',
  schema: { type: 'string', example: '"3"' },
};

function header(name: string, description: string): ParameterObject {
  return { name, in: 'header', required: false, description, schema: { type: 'string' } };
}

function errorResponse(status: number, error: string, description: string, message: string) {
  return {
    description,
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/ErrorDto' },
        example: { statusCode: status, error, message },
      },
    },
  };
}

/** Adds an error answer, or adds its meaning to the answer of that status the route already has. */
function addError(op: OperationObject, status: number, response: ResponseObject): void {
  const existing = op.responses[String(status)] as ResponseObject | undefined;
  if (existing) existing.description = `${existing.description}; or: ${response.description}`;
  else op.responses[String(status)] = response;
}

/**
 * Declares, from the marks @EntityTagged, @ConditionalWrite and @Idempotent leave on routes, the
 * headers and statuses of conditional requests and idempotency keys in the OpenAPI document
 * built at start, and removes the marks.
 */
export function describeHttpSemantics(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const marks = op as unknown as Record<string, unknown>;
      const entityTag = marks[ENTITY_TAG_EXTENSION];
      const idempotent = marks[IDEMPOTENCY_EXTENSION];
      delete marks[ENTITY_TAG_EXTENSION];
      delete marks[IDEMPOTENCY_EXTENSION];
      op.parameters ??= [];
      const successes = Object.entries(op.responses).filter(([code]) => /^2\d\d$/.test(code));
      if (entityTag) {
        for (const [, response] of successes) {
          (response as ResponseObject).headers = {
            ...(response as ResponseObject).headers,
            ETag: ETAG,
          };
        }
      }
      if (entityTag && method === 'get') {
        op.parameters.push(
          header('If-None-Match', 'ETags the client holds: 304 without a body when one is current'),
        );
        op.responses['304'] = {
          description: 'Not Modified: the ETag sent is current',
          headers: { ETag: ETAG },
        };
      }
      if (entityTag === 'conditional-write') {
        op.parameters.push(
          header(
            'If-Match',
            "The row's ETag as last read: the write runs only if the row still has it (412 otherwise); required with REQUIRE_IF_MATCH=true (428 without)",
          ),
        );
        addError(
          op,
          412,
          errorResponse(
            412,
            'Precondition Failed',
            'If-Match names no current ETag of the row: it changed since it was read',
            'If-Match does not match the current ETag; read the resource again and retry with its ETag',
          ),
        );
        addError(
          op,
          428,
          errorResponse(
            428,
            'Precondition Required',
            'REQUIRE_IF_MATCH is on and If-Match is missing',
            "This server requires If-Match on writes: send the ETag of the resource's last read",
          ),
        );
      }
      if (idempotent) {
        op.parameters.push(
          header(
            'Idempotency-Key',
            'A key of 1 to 255 printable ASCII characters, unique per request the client means (24 h, IDEMPOTENCY_TTL): a repeat with the same method, path and body answers the first answer with `Idempotent-Replayed: true` and changes nothing',
          ),
        );
        for (const [, response] of successes) {
          (response as ResponseObject).headers = {
            ...(response as ResponseObject).headers,
            'Idempotent-Replayed': {
              description:
                '`true` on the stored answer of an earlier request with the same Idempotency-Key',
              schema: { type: 'string', example: 'true' },
            },
          };
        }
        addError(
          op,
          400,
          errorResponse(
            400,
            'Bad Request',
            'Idempotency-Key is not 1 to 255 printable ASCII characters',
            'Idempotency-Key must be one header of 1 to 255 printable ASCII characters',
          ),
        );
        const conflict = errorResponse(
          409,
          'Conflict',
          'A request with this Idempotency-Key is still in progress: retry after Retry-After',
          'A request with this Idempotency-Key is still in progress; retry after Retry-After',
        );
        addError(op, 409, {
          ...conflict,
          headers: {
            'Retry-After': {
              description: 'Seconds to wait before retrying',
              schema: { type: 'integer', example: 1 },
            },
          },
        });
        addError(
          op,
          422,
          errorResponse(
            422,
            'Unprocessable Entity',
            'This Idempotency-Key was used for another method, path or body',
            'This Idempotency-Key was used for another request (method, path or body); use a new key',
          ),
        );
      }
    }
  }
}
