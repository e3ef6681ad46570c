import { InvalidInputError } from '../errors/domain-errors';
import { MAX_ID } from '../validation/limits';
import { decodeCursor, encodeCursor, tryDecodeCursor } from './cursor';

describe('page cursors', () => {
  it.each([0, 1, 20, 123_456, MAX_ID])('round-trips the id %d', (id) => {
    expect(decodeCursor(encodeCursor(id))).toBe(id);
  });

  it('is opaque: no digits of the id in clear', () => {
    expect(encodeCursor(123456)).not.toContain('123456');
    expect(encodeCursor(123456)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['another prefix', Buffer.from('offset:20').toString('base64url')],
    ['negative', Buffer.from('id:-1').toString('base64url')],
    ['fraction', Buffer.from('id:1.5').toString('base64url')],
    ['leading zero', Buffer.from('id:01').toString('base64url')],
    ['beyond INT', Buffer.from(`id:${MAX_ID + 1}`).toString('base64url')],
    ['padding added', `${encodeCursor(7)}=`],
    ['very long', 'A'.repeat(10_000)],
  ])('rejects a cursor that is %s', (_label, cursor) => {
    expect(tryDecodeCursor(cursor)).toBeNull();
    expect(() => decodeCursor(cursor)).toThrow(InvalidInputError);
  });
});
