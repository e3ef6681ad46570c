import { TransformationType, type ClassTransformOptions } from 'class-transformer';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';

/**
 * class-transformer's own metadata: the storage its decorators (@Type, @Transform, @Expose,
 * @Exclude) write to and plainToInstance reads. It is not exported by the package's index; Nest's
 * PartialType reads it by the same path (@nestjs/mapped-types, inheritTransformationMetadata).
 */
const { defaultMetadataStorage: transformerMetadata } =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('class-transformer/cjs/storage') as { defaultMetadataStorage: MetadataStorage };

/** The defaults plainToInstance merges its options into (not exported by the package's index). */
const { defaultOptions } =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('class-transformer/cjs/constants/default-options.constant') as {
    defaultOptions: ClassTransformOptions;
  };

type Class = abstract new (...args: never[]) => unknown;

/** The arguments class-transformer hands a @Transform function (TransformFnParams). */
interface TransformParams {
  value: unknown;
  key: string;
  obj: Readonly<Record<string, unknown>>;
  type: TransformationType;
  options: ClassTransformOptions;
}

/** The @Transform functions of a property, in the order plainToInstance applies them. */
type Transforms = ReadonlyMap<string, ReadonlyArray<(params: TransformParams) => unknown>>;

const NO_TRANSFORMS: Transforms = new Map();

/**
 * The options plainToInstance(target, value, { enableImplicitConversion: false }) runs with (its
 * defaults, then the caller's), as it hands them to every @Transform function.
 */
const PLAIN_TO_INSTANCE_OPTIONS: ClassTransformOptions = Object.freeze({
  ...defaultOptions,
  enableImplicitConversion: false,
});

const RECIPES = new WeakMap<Class, Transforms | null>();

/**
 * Whether class-transformer's plainToInstance (with its default options, or only
 * enableImplicitConversion: false) does nothing to a value's fields named by `properties` but copy
 * them onto a new instance, each through its @Transform functions if it has any: the class and its
 * ancestors have no @Expose or @Exclude at all, and no @Type on those properties. Answers the
 * @Transform functions by property (empty when there are none), or null when plainToInstance
 * must do the work. Its decorators run as classes are defined, so the answer is remembered per
 * class.
 */
export function transformsOf(target: Class, properties: Iterable<string>): Transforms | null {
  let recipe = RECIPES.get(target);
  if (recipe === undefined) {
    recipe = recipeOf(target, properties);
    RECIPES.set(target, recipe);
  }
  return recipe;
}

function recipeOf(target: Class, properties: Iterable<string>): Transforms | null {
  if (
    transformerMetadata.getStrategy(target) !== 'none' ||
    transformerMetadata.getExposedMetadatas(target).length > 0 ||
    transformerMetadata.getExcludedMetadatas(target).length > 0
  ) {
    return null;
  }
  const transforms = new Map<string, Array<(params: TransformParams) => unknown>>();
  for (const property of properties) {
    if (transformerMetadata.findTypeMetadata(target, property) !== undefined) return null;
    // as TransformOperationExecutor.applyCustomTransformations selects them with no version and
    // no groups in the options: those without groups
    const functions = transformerMetadata
      .findTransformMetadatas(target, property, TransformationType.PLAIN_TO_CLASS)
      .filter((metadata) => !metadata.options?.groups?.length)
      .map((metadata) => metadata.transformFn as (params: TransformParams) => unknown);
    if (functions.length > 0) transforms.set(property, functions);
  }
  return transforms.size === 0 ? NO_TRANSFORMS : transforms;
}

/** Whether plainToInstance only copies the fields named by `properties` (no @Transform either). */
export function copiedAsTheyAre(target: Class, properties: Iterable<string>): boolean {
  return transformsOf(target, properties) === NO_TRANSFORMS;
}

/**
 * plainToInstance(target, value, { enableImplicitConversion: false }) for a value whose fields are
 * all JSON primitives and a class whose transformsOf (for those fields) is not null: a new
 * instance, and every field copied but those plainToInstance skips (`__proto__`, `constructor`,
 * and names the prototype has as a getter without setter or the instance as a function), in the
 * same order, each through its @Transform functions with the arguments class-transformer gives
 * them. (plainToInstance's own conversion of a primitive without @Type and without implicit
 * conversion gives the value back as it is.)
 */
export function plainInstance<T extends object>(
  target: new () => T,
  value: Readonly<Record<string, unknown>>,
  transforms: Transforms = NO_TRANSFORMS,
): T {
  const instance = new target() as Record<string, unknown>;
  const prototype = (instance.constructor as { prototype?: object } | undefined)?.prototype;
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || key === 'constructor') continue;
    if (prototype) {
      const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
      if ((descriptor && !descriptor.set) || instance[key] instanceof Function) continue;
    }
    let field = value[key];
    const functions = transforms.get(key);
    if (functions !== undefined) {
      for (const transform of functions) {
        field = transform({
          value: field,
          key,
          obj: value,
          type: TransformationType.PLAIN_TO_CLASS,
          options: PLAIN_TO_INSTANCE_OPTIONS,
        });
      }
    }
    // exposeUnsetFields (true by default): an undefined result is set too
    instance[key] = field;
  }
  return instance as T;
}
