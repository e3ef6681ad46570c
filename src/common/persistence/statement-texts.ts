/**
 * Statement texts made once and kept, by what they depend on (the columns a route writes, the
 * number of outbox rows, the INSERT a commit block wraps): a write builds none of its SQL again
 * on every request, and sends the same string each time, whose hash V8 computes once for the maps
 * that look prepared statements up by their text (the SQLite connections'). At most `limit` texts
 * are kept; past it, a text is made on every call (a table has only so many sets of columns its
 * routes write, so that is a bound, not an eviction policy).
 */
export class StatementTexts<K> {
  private readonly texts = new Map<K, string>();

  constructor(private readonly limit: number) {}

  /** The text for `key`, made by `make` the first time (and every time past the limit). */
  of(key: K, make: (key: K) => string): string {
    let text = this.texts.get(key);
    if (text === undefined) {
      text = make(key);
      if (this.texts.size < this.limit) this.texts.set(key, text);
    }
    return text;
  }

  /** How many texts are kept. */
  get size(): number {
    return this.texts.size;
  }
}
