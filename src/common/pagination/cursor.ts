import { InvalidInputError } from '../errors/domain-errors';
import { MAX_ID } from '../validation/limits';

const PREFIX = 'id:';

/** An opaque keyset cursor: the last id of a page, base64url-encoded. */
export function encodeCursor(lastId: number): string {
  return Buffer.from(`${PREFIX}${lastId}`, 'utf8').toString('base64url');
}

/** The id after which the next page starts, or null when cursor is not one of ours. */
export function tryDecodeCursor(cursor: string): number | null {
  if (cursor.length === 0 || cursor.length > 24 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^id:(0|[1-9]\d{0,9})$/.exec(text);
  if (!match) return null;
  const id = Number(match[1]);
  // re-encoding must give the same string, so that one page has exactly one cursor
  return id <= MAX_ID && encodeCursor(id) === cursor ? id : null;
}

export function decodeCursor(cursor: string): number {
  const id = tryDecodeCursor(cursor);
  if (id === null)
    throw new InvalidInputError(
      'cursor is malformed; pass nextCursor from the previous page unchanged',
    );
  return id;
}
