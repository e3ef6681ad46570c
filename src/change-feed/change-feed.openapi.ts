import type { OpenAPIObject } from '@nestjs/swagger';
import type {
  ReferenceObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { ChangeEventType } from '../workflows';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** `todo.deleted` -> `TodoDeletedEvent`. */
function schemaName(type: string): string {
  const pascal = type
    .split(/[._]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return `${pascal}Event`;
}

/**
 * The event types in the OpenAPI document: one schema per type (`WorkflowDeletedEvent`...), the
 * envelope with its `type` fixed and its `data` the schema of the route's answer, with an example;
 * `EventPageDto.items` is one of them, and the `types` parameter lists them.
 */
export function describeEventTypes(
  document: OpenAPIObject,
  types: readonly ChangeEventType[],
): void {
  const schemas = ((document.components ??= {}).schemas ??= {});
  for (const { type, payload, description } of types) {
    const example = exampleOf(ref(payload), schemas);
    schemas[schemaName(type)] = {
      description: `\`${type}\`: ${description}.`,
      allOf: [
        ref('EventDto'),
        {
          type: 'object',
          required: ['type', 'data'],
          properties: {
            type: { type: 'string', enum: [type] },
            data: ref(payload),
          },
        },
      ],
      example: {
        id: '1043',
        type,
        occurredAt: '2025-10-02T09:30:00.000Z',
        actor: 7,
        data: example,
      },
    };
  }
  const page = schemas.EventPageDto;
  if (page && !('$ref' in page) && page.properties?.items) {
    page.properties.items = {
      type: 'array',
      items: { oneOf: types.map(({ type }) => ref(schemaName(type))) },
    };
  }
  const parameter = document.paths['/events']?.get?.parameters?.find(
    (p) => 'name' in p && p.name === 'types',
  );
  if (parameter && 'schema' in parameter) {
    parameter.description = `Comma-separated event types (all when omitted): ${types.map(({ type }) => `\`${type}\``).join(', ')}.`;
  }
}

type Schemas = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>;

/** An example value of a schema, from its examples (following $ref and allOf). */
function exampleOf(schema: SchemaObject | ReferenceObject, schemas: Schemas, depth = 0): unknown {
  if ('$ref' in schema) {
    const target = schemas[schema.$ref.replace('#/components/schemas/', '')];
    return target && depth < 6 ? exampleOf(target, schemas, depth + 1) : {};
  }
  if (schema.example !== undefined) return schema.example;
  if (schema.allOf) {
    return Object.assign(
      {},
      ...schema.allOf.map((part) => exampleOf(part, schemas, depth + 1) as object),
    ) as unknown;
  }
  if (schema.type === 'array') return [];
  if (schema.nullable) return null;
  if (schema.type === 'integer' || schema.type === 'number') return 0;
  if (schema.type === 'boolean') return false;
  if (schema.type === 'string') return schema.enum?.[0] ?? '';
  const result: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    result[name] = exampleOf(property, schemas, depth + 1);
  }
  return result;
}
