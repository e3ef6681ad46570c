import { encodeCursor, type CursorScope } from './cursor';

/** One keyset page: items in id order and the cursor of the next page, if any. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * The page of `limit` items among rows read with `LIMIT limit + 1`: one row more than the page
 * means there is a next page, whose cursor (bound to the list) follows the page's last id.
 */
export function pageOf<Row, T extends { id: number }>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => T,
  binding: CursorScope,
): Page<T> {
  // one array of the page's items, filled in place (no copy of the rows, then a mapped one)
  const count = Math.min(rows.length, limit);
  const items = new Array<T>(count);
  for (let i = 0; i < count; i++) items[i] = toItem(rows[i]);
  const nextCursor = rows.length > limit ? encodeCursor(items[count - 1].id, binding) : null;
  return { items, nextCursor };
}
