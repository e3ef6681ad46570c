import { nestingDepth } from './json-body-parser';

describe('nestingDepth', () => {
  it.each([
    ['1', 0],
    ['{}', 1],
    ['{"a":[1,{"b":2}]}', 3],
    ['{"a":"[[[[{{{{"}', 1],
    ['{"a":"\\"[[["}', 1],
    ['['.repeat(100) + ']'.repeat(100), 100],
  ])('measures %s as %d', (text, depth) => {
    expect(nestingDepth(text)).toBe(depth);
  });
});
