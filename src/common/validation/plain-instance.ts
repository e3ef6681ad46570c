import { TransformationType } from 'class-transformer';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';

/**
 * class-transformer's own metadata: the storage its decorators (@Type, @Transform, @Expose,
 * @Exclude) write to and plainToInstance reads. It is not exported by the package's index; Nest's
 * PartialType reads it by the same path (@nestjs/mapped-types, inheritTransformationMetadata).
 */
const { defaultMetadataStorage: transformerMetadata } =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('class-transformer/cjs/storage') as { defaultMetadataStorage: MetadataStorage };

type Class = abstract new (...args: never[]) => unknown;

const DECORATED = new WeakMap<Class, boolean>();

/**
 * Whether class-transformer's plainToInstance (with its default options, or only
 * enableImplicitConversion: false) does nothing to a value's fields named by `properties` but copy
 * them onto a new instance: the class and its ancestors have no @Expose or @Exclude at all, and no
 * @Type or @Transform on those properties. Its decorators run as classes are defined, so the
 * answer is remembered per class.
 */
export function copiedAsTheyAre(target: Class, properties: Iterable<string>): boolean {
  let decorated = DECORATED.get(target);
  if (decorated === undefined) {
    decorated =
      transformerMetadata.getStrategy(target) !== 'none' ||
      transformerMetadata.getExposedMetadatas(target).length > 0 ||
      transformerMetadata.getExcludedMetadatas(target).length > 0;
    for (const property of properties) {
      decorated ||=
        transformerMetadata.findTypeMetadata(target, property) !== undefined ||
        transformerMetadata.findTransformMetadatas(
          target,
          property,
          TransformationType.PLAIN_TO_CLASS,
        ).length > 0;
    }
    DECORATED.set(target, decorated);
  }
  return !decorated;
}

/**
 * plainToInstance(target, value) for a value whose fields are all JSON primitives and a class
 * for which copiedAsTheyAre holds (for those fields): a new instance, and every field copied but
 * those plainToInstance skips (`__proto__`, `constructor`, and names the prototype has as a
 * getter without setter or the instance as a function), in the same order.
 */
export function plainInstance<T extends object>(
  target: new () => T,
  value: Readonly<Record<string, unknown>>,
): T {
  const instance = new target() as Record<string, unknown>;
  const prototype = (instance.constructor as { prototype?: object } | undefined)?.prototype;
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || key === 'constructor') continue;
    if (prototype) {
      const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
      if ((descriptor && !descriptor.set) || instance[key] instanceof Function) continue;
    }
    instance[key] = value[key];
  }
  return instance as T;
}
