import type { OpenAPIObject } from '@nestjs/swagger';
import type {
  HeaderObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { errorBody } from '../errors/error-shape';
import { WWW_AUTHENTICATE } from '../errors/error-shape.filter';

const REQUEST_ID: HeaderObject = {
  description:
    "The request's id (the client's X-Request-Id when it sent a valid one): quote it when reporting a problem; every log line of the request carries it",
  schema: { type: 'string', example: '0b7e2f4c-6a1d-4d3c-9a55-3e1f0c2b9d7a' },
};

/**
 * What fastify answers before any route runs: to a body on any POST, PATCH or DELETE (a route
 * that takes none still receives it), the body limit (413) and a body that is not JSON (415);
 * to a path parameter over 100 characters, 414.
 */
const FRAMEWORK_ERRORS: Record<number, { description: string; message: string }> = {
  413: {
    description: 'The body is larger than BODY_LIMIT (100 KiB by default)',
    message: 'Request body is too large',
  },
  414: {
    description: 'A path parameter is longer than 100 characters',
    message: 'A path parameter is longer than 100 characters',
  },
  415: {
    description: 'The body is not sent as application/json',
    message: 'Unsupported Media Type',
  },
};

const BAD_REQUEST_DESCRIPTION =
  'Invalid input: unknown or malformed fields, a bad id, a malformed cursor, an unknown query parameter';

/**
 * Facts of every operation that no route decorator states, added to the document in one place:
 * every answer carries X-Request-Id; every 401 a WWW-Authenticate challenge; what fastify answers
 * before a route runs (413, 414, 415); the 400 of an unknown query parameter, on every route; a
 * route without a security requirement (GET /health) is public.
 * Also, request bodies state their defaults in words (see describeDefaults).
 */
export function completeDocument(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  for (const path of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head'] as const) {
      const operation: OperationObject | undefined = path[method];
      if (!operation) continue;
      // a route without a security requirement is public, and says so (OpenAPI: an empty list)
      operation.security ??= [];
      const body = operation.requestBody;
      const bodySchema =
        body && !isReference(body) ? body.content['application/json']?.schema : undefined;
      if (bodySchema && isReference(bodySchema)) {
        const schema = schemas[bodySchema.$ref.replace('#/components/schemas/', '')];
        if (schema && !isReference(schema)) describeDefaults(schema, method === 'patch');
      }
      const statuses = method === 'get' || method === 'head' ? [] : [413, 415];
      if (operation.parameters?.some((p) => !isReference(p) && p.in === 'path')) statuses.push(414);
      for (const status of statuses) {
        const { description, message } = FRAMEWORK_ERRORS[status];
        operation.responses[status] ??= errorResponse(description, errorBody(status, message));
      }
      // every route refuses unknown query parameters
      operation.responses['400'] ??= errorResponse(BAD_REQUEST_DESCRIPTION, undefined);
      const invalid = operation.responses['400'];
      if (invalid && !isReference(invalid)) describeBadRequests(invalid, operation);
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!response || isReference(response)) continue;
        const answer = response;
        answer.headers = { ...answer.headers, 'X-Request-Id': REQUEST_ID };
        if (status === '401') {
          answer.headers['WWW-Authenticate'] = {
            description: 'The authentication scheme the service accepts',
            schema: { type: 'string', example: WWW_AUTHENTICATE },
          };
        }
      }
    }
  }
  for (const schema of Object.values(schemas)) if (!isReference(schema)) collapseLoneAllOf(schema);
}

/**
 * The 400 answers an operation can give, as named examples of the real messages: a malformed
 * path id, an unknown body field, a query parameter out of range or unknown.
 */
export const BAD_REQUEST_EXAMPLES = {
  badId: {
    summary: 'The path id is not a positive INT',
    message: ['id must be a positive integer no larger than 2147483647'],
  },
  unknownField: {
    summary: 'A body field the operation does not take',
    message: ['property color should not exist'],
  },
  badLimit: {
    summary: 'A query parameter out of range',
    message: ['limit must not be greater than 100'],
  },
  unknownParameter: {
    summary: 'A query parameter the operation does not take',
    message: ['query parameter color should not exist'],
  },
  unknownQueryField: {
    summary: 'A query parameter the operation does not take',
    message: ['property color should not exist'],
  },
} as const;

function describeBadRequests(response: ResponseObject, operation: OperationObject): void {
  const json = response.content?.['application/json'];
  if (!json) return;
  const parameters = (operation.parameters ?? []).filter(
    (p): p is ParameterObject => !isReference(p),
  );
  const names: Array<keyof typeof BAD_REQUEST_EXAMPLES> = [];
  if (parameters.some((p) => p.in === 'path' && p.name === 'id')) names.push('badId');
  if (operation.requestBody) names.push('unknownField');
  const query = parameters.filter((p) => p.in === 'query');
  if (query.some((p) => p.name === 'limit')) names.push('badLimit');
  // a query DTO's validation and the check of routes without one word it differently
  names.push(query.length > 0 ? 'unknownQueryField' : 'unknownParameter');
  delete json.example;
  json.examples = Object.fromEntries(
    names.map((name) => {
      const { summary, message } = BAD_REQUEST_EXAMPLES[name];
      return [name, { summary, value: errorBody(400, [...message]) }];
    }),
  );
}

function errorResponse(description: string, example: unknown): ResponseObject {
  return {
    description,
    content: {
      'application/json': { schema: { $ref: '#/components/schemas/ErrorDto' }, example },
    },
  };
}

function isReference(object: object): object is ReferenceObject {
  return '$ref' in object;
}

/**
 * A request body's defaults are what the service fills in, said in words: as the `default`
 * keyword, generators make the field required in the types they generate (openapi-typescript's
 * defaultNonNullable), and some fill it in on the client, so a PATCH would reset the field.
 */
function describeDefaults(schema: SchemaObject, update: boolean): void {
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (isReference(property) || property.default === undefined) continue;
    const value: unknown = property.default;
    const rest: SchemaObject = { ...property };
    delete rest.default;
    // absent from a PATCH means unchanged, which the operation says once
    const sentence = update ? undefined : `Absent: \`${JSON.stringify(value)}\`.`;
    const description = [rest.description, sentence].filter(Boolean).join(' ');
    schema.properties![name] = description ? { ...rest, description } : rest;
  }
}

/** `{ allOf: [ref] }` and nothing else is the ref itself (a one-entry allOf only adds keys). */
function collapseLoneAllOf(schema: SchemaObject): void {
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (isReference(property)) continue;
    const keys = Object.keys(property);
    if (keys.length === 1 && property.allOf?.length === 1)
      schema.properties![name] = property.allOf[0];
  }
}
