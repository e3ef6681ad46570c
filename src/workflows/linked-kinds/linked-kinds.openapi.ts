import type { Type } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import type {
  ReferenceObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { LinkedKind } from './linked-kind';

/** A `$ref` to the schema of a class. */
export const schemaRef = (model: Type<unknown>): ReferenceObject => ({
  $ref: `#/components/schemas/${model.name}`,
});

interface PerKindSchema {
  target: { readonly name: string };
  property: (kind: LinkedKind) => SchemaObject | ReferenceObject;
  required: boolean;
  models: Type<unknown>[];
}

const perKindSchemas: PerKindSchema[] = [];

/**
 * Marks a response class as having one property per linked kind (the class itself declares them
 * with an index signature): describeLinkedKinds adds each kind's to its schema, described by
 * `property`. `models` are the classes those properties refer to.
 */
export function ApiPropertyPerLinkedKind(options: {
  property: (kind: LinkedKind) => SchemaObject | ReferenceObject;
  required?: boolean;
  models?: Type<unknown>[];
}): ClassDecorator {
  return (target) => {
    perKindSchemas.push({
      target,
      property: options.property,
      required: options.required ?? true,
      models: options.models ?? [],
    });
  };
}

/** What the document builder must know of besides the routes: every per-kind class and kind DTO. */
export function linkedKindModels(kinds: readonly LinkedKind[]): Type<unknown>[] {
  return [...kinds.map((kind) => kind.dto), ...perKindSchemas.flatMap((schema) => schema.models)];
}

/**
 * The linked kinds in the OpenAPI document: each class marked with ApiPropertyPerLinkedKind gets
 * one property per kind, the `include` parameter lists the kinds, and each kind gets its tag.
 * The document is built from the running application, so it always shows the kinds it serves.
 */
export function describeLinkedKinds(document: OpenAPIObject, kinds: readonly LinkedKind[]): void {
  const schemas = ((document.components ??= {}).schemas ??= {});
  for (const { target, property, required } of perKindSchemas) {
    // a class whose properties are all per kind has no metadata, so no schema of its own yet
    const schema = (schemas[target.name] ??= { type: 'object' });
    if ('$ref' in schema) throw new Error(`the OpenAPI schema ${target.name} is a reference`);
    schema.properties ??= {};
    for (const kind of kinds) schema.properties[kind.name] = property(kind);
    if (required) {
      schema.required = [...(schema.required ?? []), ...kinds.map((kind) => kind.name)];
    }
  }
  const names = kinds.map((kind) => kind.name);
  const include = document.paths['/workflows/{id}']?.get?.parameters?.find(
    (parameter) => 'name' in parameter && parameter.name === 'include',
  );
  if (include && 'schema' in include) {
    include.description = `Comma-separated: embed the active linked rows of these kinds: ${names.map((name) => `\`${name}\``).join(', ')}.`;
    include.schema = { type: 'string', example: names.join(',') };
  }
  // every kind's DELETE answers its row and the deletion it made (LinkedRows.remove)
  for (const kind of kinds) {
    const ok = document.paths[`/${kind.name}/{id}`]?.delete?.responses?.['200'];
    const content = ok && 'content' in ok ? ok.content?.['application/json'] : undefined;
    if (content?.schema) {
      const name = `Deleted${kind.dto.name}`;
      schemas[name] = {
        allOf: [
          content.schema,
          {
            type: 'object',
            required: ['deletionId'],
            properties: {
              deletionId: {
                type: 'integer',
                example: 17,
                description: "The deletion's record (`GET /deletions/:id`).",
              },
            },
          },
        ],
      };
      content.schema = { $ref: `#/components/schemas/${name}` };
    }
  }
  const tags = (document.tags ??= []);
  for (const kind of kinds) {
    if (!tags.some((tag) => tag.name === kind.name)) {
      tags.push({ name: kind.name, description: kind.description });
    }
  }
}
