import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type ValidationMetadata = ReturnType<Storage['getTargetValidationMetadatas']>[number];
type Grouped = Record<string, ValidationMetadata[]>;

/**
 * class-validator looks up a class's rules on every validation: it filters the class's own rules,
 * then walks every class that has rules (all the DTOs) with an `instanceof` test each, for the
 * rules it inherits, and groups the result by property. The answer only changes when a rule is
 * added (as classes are loaded), so the storage's two lookups are remembered here, and forgotten
 * whenever a rule is added. Same arrays, same order, same rules: the validation is unchanged.
 */
export function rememberValidationMetadata(storage: Storage = getMetadataStorage()): void {
  if (REMEMBERING.has(storage)) return;
  REMEMBERING.add(storage);
  const find = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  // the rules of a class under the validator's default options (no groups, no schema), as
  // Nest's ValidationPipe asks for them; under any other options, by a key made of them
  let found = new Map<unknown, ValidationMetadata[]>();
  let foundWithOptions = new Map<string, Map<unknown, ValidationMetadata[]>>();
  let grouped = new WeakMap<ValidationMetadata[], Grouped>();
  storage.addValidationMetadata = (metadata: ValidationMetadata): void => {
    add(metadata);
    found = new Map();
    foundWithOptions = new Map();
    grouped = new WeakMap();
  };
  storage.getTargetValidationMetadatas = (
    ...[targetConstructor, targetSchema, always, strictGroups, groups]: Parameters<
      Storage['getTargetValidationMetadatas']
    >
  ): ValidationMetadata[] => {
    let byClass = found;
    if (targetSchema !== undefined || always || strictGroups || groups !== undefined) {
      const key = JSON.stringify([targetSchema, always, strictGroups, groups]);
      byClass = foundWithOptions.get(key) ?? new Map<unknown, ValidationMetadata[]>();
      foundWithOptions.set(key, byClass);
    }
    let rules = byClass.get(targetConstructor);
    if (rules === undefined) {
      rules = find(targetConstructor, targetSchema, always, strictGroups, groups);
      byClass.set(targetConstructor, rules);
    }
    return rules;
  };
  storage.groupByPropertyName = (metadata: ValidationMetadata[]): Grouped => {
    let byProperty = grouped.get(metadata);
    if (byProperty === undefined) {
      byProperty = group(metadata);
      grouped.set(metadata, byProperty);
    }
    return byProperty;
  };
}

const REMEMBERING = new WeakSet<Storage>();
