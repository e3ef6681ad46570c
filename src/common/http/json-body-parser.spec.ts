import { jsonShape, nestingDepth } from './json-body-parser';

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

describe('jsonShape', () => {
  it.each([
    ['1', 0],
    ['{}', 0],
    ['[ ]', 0],
    ['{"a":1}', 1],
    ['{ "a" : 1 , "b" : [ ] }', 2],
    ['{"a":"x,y,z","b":"{,,,}"}', 2],
    ['{"a":"\\",,,"}', 1],
    ['{"a":[1,2,3,4],"b":{"c":1}}', 4],
    ['[[],[],[]]', 3],
  ])('counts the members of the widest object or array in %s as %d', (text, members) => {
    expect(jsonShape(text, Infinity, Infinity).members).toBe(members);
  });

  it.each([
    ['1', 0],
    ['{}', 0],
    ['{"a":1}', 1],
    ['{"a":[1,2,3],"b":{"c":1,"d":[]}}', 7],
    ['[[1,2],[3]]', 5],
  ])('counts the members of all objects and arrays in %s as %d', (text, total) => {
    expect(jsonShape(text, Infinity, Infinity).total).toBe(total);
  });

  it('stops at the first object wider than the limit', () => {
    const wide = `{${Array.from({ length: 1000 }, (_, i) => `"${i}":0`).join(',')}}`;
    expect(jsonShape(wide, 32, 100)).toMatchObject({ depth: 1, members: 101 });
  });

  it('stops once the members of all objects pass the limit', () => {
    const inner = `{${Array.from({ length: 100 }, (_, i) => `"${i}":0`).join(',')}}`;
    const nested = `{${Array.from({ length: 50 }, (_, i) => `"k${i}":${inner}`).join(',')}}`;
    const shape = jsonShape(nested, 32, 100, 1000);
    expect(shape.total).toBeGreaterThan(1000);
    expect(shape.total).toBeLessThan(1010);
    expect(jsonShape(nested, 32, 100, Infinity).total).toBe(50 * 100 + 50);
  });
});
