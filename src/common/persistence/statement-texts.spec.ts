import { StatementTexts } from './statement-texts';

describe('StatementTexts', () => {
  it('makes a text once for a key and answers the same string after', () => {
    const texts = new StatementTexts<string>(4);
    const made: string[] = [];
    const make = (key: string): string => {
      made.push(key);
      return `INSERT INTO t (${key}) VALUES (?)`;
    };
    const first = texts.of('a,b', make);
    expect(texts.of('a,b', make)).toBe(first);
    expect(texts.of('c', make)).toBe('INSERT INTO t (c) VALUES (?)');
    expect(made).toEqual(['a,b', 'c']);
    expect(texts.size).toBe(2);
  });

  it('keeps at most its limit, and makes the others on every call', () => {
    const texts = new StatementTexts<number>(2);
    let calls = 0;
    const make = (rows: number): string => {
      calls++;
      return `rows ${rows}`;
    };
    for (const rows of [1, 2, 3, 3, 1]) texts.of(rows, make);
    expect(texts.size).toBe(2);
    // 1 and 2 kept; 3 made both times it was asked for
    expect(calls).toBe(4);
    expect(texts.of(3, make)).toBe('rows 3');
  });
});
