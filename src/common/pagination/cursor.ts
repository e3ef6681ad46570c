import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors/domain-errors';
import { MAX_ID } from '../validation/limits';

/**
 * Keyset cursors: opaque to clients (base64url), and bound to the list and filter that issued
 * them. A cursor carries the last id of its page and a tag of its list: a digest of the list's
 * name (its table) and its filter. A cursor of /workflows sent to /todos, or one of
 * `?status=active` sent with `?status=closed`, answers 400 rather than a page of another list.
 * The tag is not a secret: a client that forges a cursor reaches no row its filters would not
 * (every read is scoped in SQL); it only cannot mix lists by mistake.
 */
const VERSION = 'c1';
const TAG_LENGTH = 8;

/** A list and its filter, as a cursor's binding: undefined values are no filter. */
export interface CursorScope {
  list: string;
  filter: Record<string, unknown>;
}

export const MALFORMED_CURSOR =
  'cursor is malformed; pass nextCursor from the previous page unchanged';
export const FOREIGN_CURSOR =
  'cursor belongs to another list or filter; pass nextCursor from the previous page of this list, with the same filters';

/** Tags kept at most, by their list and filter's JSON; the map is emptied when full (simple and bounded). */
const MAX_CACHED_TAGS = 1_000;
const tags = new Map<string, string>();

/**
 * The tag of a list and filter: the same filter in any key order gives the same tag. A page
 * needs its list's tag twice (to check its cursor, to issue the next one) and every page of a
 * list the same one: each is digested once, then kept.
 */
export function cursorTag({ list, filter }: CursorScope): string {
  const binding = bindingText(list, filter);
  let tag = tags.get(binding);
  if (tag === undefined) {
    tag = createHash('sha256').update(binding).digest('base64url').slice(0, TAG_LENGTH);
    if (tags.size >= MAX_CACHED_TAGS) tags.clear();
    tags.set(binding, tag);
  }
  return tag;
}

/**
 * `JSON.stringify([list, entries])`, the entries being the filter's `[name, value]` pairs with a
 * value, in name order: the text a tag digests. Written out for the common filters of one or no
 * name, without the arrays of pairs (a list request builds it once or twice).
 */
function bindingText(list: string, filter: Record<string, unknown>): string {
  let names: string[] | undefined;
  let only: string | undefined;
  for (const name in filter) {
    if (!Object.hasOwn(filter, name) || filter[name] === undefined) continue;
    if (names !== undefined) names.push(name);
    else if (only !== undefined) names = [only, name];
    else only = name;
  }
  let entries = '';
  if (names !== undefined) {
    for (const name of names.sort()) {
      entries += (entries === '' ? '' : ',') + JSON.stringify([name, filter[name]]);
    }
  } else if (only !== undefined) {
    entries = JSON.stringify([only, filter[only]]);
  }
  return `[${JSON.stringify(list)},[${entries}]]`;
}

/** The cursor of the page after the one that ended with lastId, for this list and filter. */
export function encodeCursor(lastId: number, scope: CursorScope): string {
  return encode(lastId, cursorTag(scope));
}

function encode(lastId: number, tag: string): string {
  return Buffer.from(`${VERSION}:${lastId}:${tag}`, 'utf8').toString('base64url');
}

/**
 * The last cursor decoded and what it gave: a request's cursor is decoded twice, by the query's
 * validation (IsPageCursor) and by the repository that reads the page, one right after the other.
 */
let lastDecoded: { cursor: string; decoded: DecodedCursor | null } = { cursor: '', decoded: null };

interface DecodedCursor {
  readonly id: number;
  readonly tag: string;
}

/** The id and tag of a cursor this service issued, or null when it is not one of ours. */
export function tryDecodeCursor(cursor: string): DecodedCursor | null {
  if (cursor === lastDecoded.cursor) return lastDecoded.decoded;
  const decoded = decode(cursor);
  lastDecoded = { cursor, decoded };
  return decoded;
}

function decode(cursor: string): DecodedCursor | null {
  if (cursor.length === 0 || cursor.length > 40 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^c1:(0|[1-9]\d{0,9}):([A-Za-z0-9_-]{8})$/.exec(text);
  if (!match) return null;
  const id = Number(match[1]);
  // re-encoding must give the same string, so that one page has exactly one cursor
  return id <= MAX_ID && encode(id, match[2]) === cursor ? { id, tag: match[2] } : null;
}

/** The id after which the page starts; 400 for a malformed cursor or one of another list or filter. */
export function decodeCursor(cursor: string, scope: CursorScope): number {
  const decoded = tryDecodeCursor(cursor);
  if (decoded === null) throw new InvalidInputError(MALFORMED_CURSOR);
  if (decoded.tag !== cursorTag(scope)) throw new InvalidInputError(FOREIGN_CURSOR);
  return decoded.id;
}
