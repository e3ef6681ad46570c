import type { OpenAPIObject } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
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
    const payloadSchema = schemas[payload];
    const example =
      payloadSchema && !('$ref' in payloadSchema) ? exampleOf(payloadSchema, schemas) : {};
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

/** An example object from a schema's property examples (following allOf and $ref, shallowly). */
function exampleOf(
  schema: SchemaObject,
  schemas: NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>,
  depth = 0,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (depth > 4) return result;
  for (const part of schema.allOf ?? []) {
    const resolved =
      '$ref' in part ? schemas[part.$ref.replace('#/components/schemas/', '')] : part;
    if (resolved && !('$ref' in resolved))
      Object.assign(result, exampleOf(resolved, schemas, depth + 1));
  }
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if ('$ref' in property) {
      const target = schemas[property.$ref.replace('#/components/schemas/', '')];
      if (target && !('$ref' in target)) result[name] = exampleOf(target, schemas, depth + 1);
    } else if (property.example !== undefined) {
      result[name] = property.example;
    } else if (property.nullable) {
      result[name] = null;
    }
  }
  return result;
}
