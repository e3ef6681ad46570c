import { createHash } from 'node:crypto';
import { ROW_VERSION } from '../persistence/row-version';
import { etagMatches, etagOf, parseEntityTags } from './entity-tags';

describe('entity tags', () => {
  it('makes a strong tag from a row version, none for a body without one, and keeps it out of JSON', () => {
    const row = { id: 7, name: 'x', [ROW_VERSION]: 3 };
    expect(etagOf(row)).toBe('"3"');
    expect(etagOf({ id: 7 })).toBeUndefined();
    expect(etagOf([row])).toBeUndefined();
    expect(JSON.stringify(row)).toBe('{"id":7,"name":"x"}');
    expect({ ...row }[ROW_VERSION]).toBe(3);
  });

  it('covers the embedded rows of an include= answer', () => {
    const answer = (todoVersion: number) => ({
      id: 1,
      [ROW_VERSION]: 2,
      todos: [{ id: 5, [ROW_VERSION]: todoVersion }],
      included: { todos: { total: 1, next: null } },
    });
    expect(etagOf(answer(1))).toMatch(/^"2-[\w-]{22}"$/);
    expect(etagOf(answer(1))).toBe(etagOf(answer(1)));
    expect(etagOf(answer(2))).not.toBe(etagOf(answer(1)));
  });

  it('gives an include= answer the tag it had when every row was hashed on its own (clients keep tags)', () => {
    const answer = {
      id: 1,
      [ROW_VERSION]: 4,
      interviews: [{ id: 9, [ROW_VERSION]: 2 }],
      todos: [
        { id: 5, [ROW_VERSION]: 1 },
        { id: 6, [ROW_VERSION]: 3 },
      ],
      included: { interviews: { total: 1, next: null }, todos: { total: 2, next: null } },
    };
    const hash = createHash('sha256');
    for (const name of ['interviews', 'todos'] as const) {
      hash.update(name);
      for (const item of answer[name]) hash.update(`,${item.id}:${item[ROW_VERSION]}`);
    }
    hash.update(JSON.stringify(answer.included));
    expect(etagOf(answer)).toBe(`"4-${hash.digest('base64url').slice(0, 22)}"`);
  });

  it('parses If-Match and If-None-Match lists, and compares strongly or weakly', () => {
    expect(parseEntityTags(undefined)).toBeUndefined();
    expect(parseEntityTags('"1", W/"2" ,*')).toEqual(['"1"', 'W/"2"', '*']);
    expect(parseEntityTags('garbage')).toEqual([]);
    expect(etagMatches(['"3"'], 3, false)).toBe(true);
    expect(etagMatches(['W/"3"'], 3, false)).toBe(false);
    expect(etagMatches(['W/"3"'], '"3"', true)).toBe(true);
    expect(etagMatches(['*'], 1, false)).toBe(true);
    expect(etagMatches(['"2"'], 3, false)).toBe(false);
    expect(etagMatches([], 3, false)).toBe(false);
  });
});
