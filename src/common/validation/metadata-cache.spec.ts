import { IsInt, MetadataStorage, validateSync } from 'class-validator';
import { CreateInterviewDto } from '../../interviews/dto/create-interview.dto';
import { UpdateInterviewDto } from '../../interviews/dto/update-interview.dto';
import { CreateTodoDto } from '../../todos/dto/create-todo.dto';
import { rememberValidationMetadata } from './metadata-cache';

describe('rememberValidationMetadata', () => {
  it('answers the same rules as the lookup it remembers, for every DTO shape', () => {
    // a fresh storage holding the same rules as class-validator's global one
    const uncached = new MetadataStorage();
    const cached = new MetadataStorage();
    const global = (globalThis as { classValidatorMetadataStorage?: MetadataStorage })
      .classValidatorMetadataStorage!;
    for (const dto of [CreateInterviewDto, UpdateInterviewDto, CreateTodoDto]) {
      for (const rule of global.getTargetValidationMetadatas(dto, '', false, false)) {
        uncached.addValidationMetadata(rule);
        cached.addValidationMetadata(rule);
      }
    }
    rememberValidationMetadata(cached);
    for (const dto of [CreateInterviewDto, UpdateInterviewDto, CreateTodoDto]) {
      // as class-validator asks (no schema), and with other options
      for (const [schema, always, strictGroups, groups] of [
        [undefined, false, false, undefined],
        ['', true, false, undefined],
        [undefined, false, true, ['a']],
      ] as const) {
        const expected = uncached.getTargetValidationMetadatas(
          dto,
          schema as string,
          always,
          strictGroups,
          groups ? [...groups] : undefined,
        );
        const first = cached.getTargetValidationMetadatas(
          dto,
          schema as string,
          always,
          strictGroups,
          groups ? [...groups] : undefined,
        );
        expect(first).toEqual(expected);
        // remembered: the same array, and the same grouping of it
        expect(
          cached.getTargetValidationMetadatas(
            dto,
            schema as string,
            always,
            strictGroups,
            groups ? [...groups] : undefined,
          ),
        ).toBe(first);
        expect(cached.groupByPropertyName(first)).toBe(cached.groupByPropertyName(first));
        expect(cached.groupByPropertyName(first)).toEqual(uncached.groupByPropertyName(expected));
      }
    }
  });

  it('sees a rule added after a lookup', () => {
    rememberValidationMetadata();
    class Late {
      count!: unknown;
    }
    expect(validateSync(Object.assign(new Late(), { count: 'x' }))).toHaveLength(1); // unknown value
    IsInt()(Late.prototype, 'count');
    const errors = validateSync(Object.assign(new Late(), { count: 'x' }));
    expect(errors.map((e) => e.constraints)).toEqual([
      { isInt: 'count must be an integer number' },
    ]);
    expect(validateSync(Object.assign(new Late(), { count: 1 }))).toEqual([]);
  });
});
