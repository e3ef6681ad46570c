import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors/domain-errors';
import { MAX_ID } from '../validation/limits';
import { cursorTag, decodeCursor, encodeCursor, FOREIGN_CURSOR, tryDecodeCursor } from './cursor';

const TODOS = { list: 'todos', filter: { workflowId: 7, status: undefined } };
const b64 = (text: string) => Buffer.from(text).toString('base64url');

describe('page cursors', () => {
  it.each([0, 1, 20, 123_456, MAX_ID])('round-trips the id %d', (id) => {
    expect(decodeCursor(encodeCursor(id, TODOS), TODOS)).toBe(id);
  });

  it('is opaque: no digits of the id in clear', () => {
    expect(encodeCursor(123456, TODOS)).not.toContain('123456');
    expect(encodeCursor(123456, TODOS)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('is bound to its list and filter: another list, another filter value or another filter is refused', () => {
    const cursor = encodeCursor(20, TODOS);
    for (const other of [
      { list: 'interviews', filter: { workflowId: 7 } },
      { list: 'todos', filter: { workflowId: 8 } },
      { list: 'todos', filter: {} },
      { list: 'todos', filter: { workflowId: 7, status: 'done' } },
      { list: 'todos', filter: { workflowId: '7' } },
    ]) {
      expect(() => decodeCursor(cursor, other)).toThrow(new InvalidInputError(FOREIGN_CURSOR));
    }
  });

  it('ignores the order of filter keys and filters that are absent', () => {
    const a = { list: 'todos', filter: { ownerId: 3, status: 'done', workflowId: undefined } };
    const b = { list: 'todos', filter: { status: 'done', ownerId: 3 } };
    expect(cursorTag(a)).toBe(cursorTag(b));
    expect(decodeCursor(encodeCursor(5, a), b)).toBe(5);
  });

  it.each([
    { list: 'todos', filter: {} },
    { list: 'todos', filter: { status: undefined } },
    { list: 'recruitment_processes', filter: { status: 'active' } },
    { list: 'todos', filter: { workflowId: 7, status: undefined, ownerId: 3 } },
    { list: 'todos', filter: { z: 'a"b', a: 1, m: true, '10': 'x', '9': null } },
    { list: 'todos of a deletion', filter: { deletionId: 12 } },
  ])(
    'digests the list and its sorted filter as JSON, as cursors already issued were: %j',
    (scope) => {
      const entries = Object.entries(scope.filter)
        .filter(([, value]) => value !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const digest = createHash('sha256')
        .update(JSON.stringify([scope.list, entries]))
        .digest('base64url');
      expect(cursorTag(scope)).toBe(digest.slice(0, 8));
    },
  );

  const tag = cursorTag(TODOS);
  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['the old format', b64('id:20')],
    ['another prefix', b64(`offset:20:${tag}`)],
    ['negative', b64(`c1:-1:${tag}`)],
    ['fraction', b64(`c1:1.5:${tag}`)],
    ['leading zero', b64(`c1:01:${tag}`)],
    ['beyond INT', b64(`c1:${MAX_ID + 1}:${tag}`)],
    ['without its tag', b64('c1:20')],
    ['padding added', `${encodeCursor(7, TODOS)}=`],
    ['very long', 'A'.repeat(10_000)],
  ])('rejects a cursor that is %s', (_label, cursor) => {
    expect(tryDecodeCursor(cursor)).toBeNull();
    expect(() => decodeCursor(cursor, TODOS)).toThrow(InvalidInputError);
  });
});
