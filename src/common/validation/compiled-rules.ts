import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type ValidationMetadata = ReturnType<Storage['getTargetValidationMetadatas']>[number];

interface Rule {
  readonly metadata: ValidationMetadata;
  /** `{ each: true }`: an array's, Set's or Map's every element is validated instead. */
  readonly each: boolean;
  readonly validate: (value: unknown, args: ValidationArguments) => unknown;
}

interface PropertyRules {
  readonly property: string;
  /** ValidateIf and the like: the property's other rules apply only if every one holds. */
  readonly conditions: ReadonlyArray<(object: object, value: unknown) => boolean>;
  readonly rules: readonly Rule[];
}

/** A class's rules, read once from class-validator's metadata, as a predicate. */
export interface CompiledRules {
  /** The names that have a rule (whitelist: every other own property is an unknown field). */
  readonly known: ReadonlySet<string>;
  readonly properties: readonly PropertyRules[];
}

/**
 * The rules of a class in the subset of class-validator that a predicate can reproduce exactly:
 * custom and `isDefined` rules (every class-validator decorator but the nested, promise and
 * whitelist ones), with or without `each`, not async, and conditions. Anything else answers null, and the
 * caller leaves the class to class-validator's own validation. The rules are those that
 * ValidationExecutor.execute looks up (no groups, no schema, not `always`, as Nest's
 * ValidationPipe asks), with the constraint instances it would take from its container.
 */
function compile(rules: readonly ValidationMetadata[], storage: Storage): CompiledRules | null {
  // forbidUnknownValues: a class without rules is an error, which class-validator words
  if (rules.length === 0) return null;
  const byProperty = new Map<
    string,
    { conditions: PropertyRules['conditions'][number][]; rules: Rule[] }
  >();
  for (const metadata of rules) {
    let entry = byProperty.get(metadata.propertyName);
    if (entry === undefined) {
      entry = { conditions: [], rules: [] };
      byProperty.set(metadata.propertyName, entry);
    }
    if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) {
      entry.conditions.push(metadata.constraints[0] as (object: object, value: unknown) => boolean);
    } else if (
      metadata.type === ValidationTypes.CUSTOM_VALIDATION ||
      metadata.type === ValidationTypes.IS_DEFINED
    ) {
      if (typeof metadata.constraintCls !== 'function') return null;
      for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
        if (constraint.async) return null;
        const instance = constraint.instance as {
          validate: (value: unknown, args: ValidationArguments) => unknown;
        };
        entry.rules.push({
          metadata,
          each: metadata.each === true,
          validate: instance.validate.bind(instance),
        });
      }
    } else {
      return null;
    }
  }
  return {
    known: new Set(byProperty.keys()),
    properties: [...byProperty].map(([property, { conditions, rules }]) => ({
      property,
      conditions,
      rules,
    })),
  };
}

const COMPILED = new WeakMap<readonly ValidationMetadata[], CompiledRules | null>();

/**
 * The compiled rules of a class, or null when they are outside the subset compile() reproduces.
 * Keyed by the array of rules class-validator's storage answers (remembered by
 * metadata-cache.ts until a rule is added, when a new array means a new compilation).
 */
export function compiledRulesOf(
  target: abstract new (...args: never[]) => unknown,
  storage: Storage = getMetadataStorage(),
): CompiledRules | null {
  const rules = storage.getTargetValidationMetadatas(
    target,
    undefined as unknown as string,
    false,
    false,
  );
  let compiled = COMPILED.get(rules);
  if (compiled === undefined) {
    compiled = compile(rules, storage);
    COMPILED.set(rules, compiled);
  }
  return compiled;
}

/**
 * Whether object passes the rules with no error at all under the options Nest's ValidationPipe
 * is given here (whitelist with forbidNonWhitelisted, forbidUnknownValues): the same rules called
 * with the same arguments as class-validator's ValidationExecutor calls them. False means "has at
 * least one error" and says nothing of which; a rule answering a promise answers false too (its
 * outcome is class-validator's to await).
 */
export function passes(compiled: CompiledRules, object: object): boolean {
  for (const key of Object.keys(object)) {
    if (!compiled.known.has(key)) return false;
  }
  const targetName = object.constructor
    ? object.constructor.name
    : (undefined as unknown as string);
  const properties = compiled.properties;
  for (let p = 0; p < properties.length; p++) {
    const { property, conditions, rules } = properties[p];
    const value = (object as Record<string, unknown>)[property];
    let applies = true;
    for (let c = 0; c < conditions.length; c++) {
      if (!conditions[c](object, value)) {
        applies = false;
        break;
      }
    }
    if (!applies) continue;
    for (let r = 0; r < rules.length; r++) {
      const { metadata, each, validate } = rules[r];
      const args: ValidationArguments = {
        targetName,
        property: metadata.propertyName,
        object,
        value,
        constraints: metadata.constraints,
      };
      if (each && (Array.isArray(value) || value instanceof Set || value instanceof Map)) {
        // as ValidationExecutor.customValidations: every element (a Map's values) must pass
        const elements: unknown[] =
          value instanceof Map ? [...value.values()] : Array.isArray(value) ? value : [...value];
        for (let e = 0; e < elements.length; e++) {
          if (!passed(validate(elements[e], args))) return false;
        }
      } else if (!passed(validate(value, args))) {
        return false;
      }
    }
  }
  return true;
}

/** A rule's answer that is a pass: truthy and not a promise (a promise is class-validator's to await). */
function passed(valid: unknown): boolean {
  return (
    !!valid &&
    !(typeof valid === 'object' && typeof (valid as { then?: unknown }).then === 'function')
  );
}
