import { createHash } from 'node:crypto';
import { ROW_VERSION, versionOf } from '../persistence/row-version';

/** The strong ETag of a row at a version: `"3"`. */
export function etagOfVersion(version: number): string {
  return `"${version}"`;
}

/**
 * The strong ETag of an answer that carries a row version (see row-version.ts), or undefined.
 * An answer that also embeds rows (`include=`) gets a tag that covers them too: the row's
 * version, then a digest of every embedded row's id and version and of `included`.
 */
export function etagOf(body: unknown): string | undefined {
  const version = versionOf(body);
  if (version === undefined) return undefined;
  const record = body as Record<string, unknown>;
  if (record.included === undefined) return etagOfVersion(version);
  // the digested text built first and hashed in one update (the same digest as an update a
  // part: SHA-256 reads one stream of bytes), rather than a call into the hash for every row
  let text = '';
  for (const name of Object.keys(record)) {
    const value = record[name];
    if (!Array.isArray(value)) continue;
    text += name;
    for (const item of value as Array<{ id?: unknown; [ROW_VERSION]?: number }>) {
      text += `,${String(item.id)}:${String(item[ROW_VERSION])}`;
    }
  }
  text += JSON.stringify(record.included);
  const digest = createHash('sha256').update(text).digest('base64url');
  return `"${version}-${digest.slice(0, 22)}"`;
}

/** The entity tags of an If-Match or If-None-Match header: `*`, or quoted tags, weak or strong. */
export function parseEntityTags(header: string | string[] | undefined): string[] | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join(',') : header;
  const tags = text.match(/\*|(?:W\/)?"[^"]*"/g);
  return tags ?? [];
}

/**
 * True when one of `tags` matches the row's version: `*` matches any row; otherwise strong
 * comparison (If-Match: a weak tag never matches) or weak comparison (If-None-Match).
 */
export function etagMatches(
  tags: readonly string[],
  current: number | string | undefined,
  weak: boolean,
): boolean {
  if (current === undefined) return false;
  const tag = typeof current === 'number' ? etagOfVersion(current) : current;
  for (const candidate of tags) {
    if (candidate === '*') return true;
    if (candidate.startsWith('W/')) {
      if (weak && candidate.slice(2) === tag) return true;
    } else if (candidate === tag) {
      return true;
    }
  }
  return false;
}
