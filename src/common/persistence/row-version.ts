/**
 * A row's version (the `version` column: 1 on insert, incremented by every UPDATE of the row),
 * carried on the service's rows under a symbol: object spreads keep it, JSON leaves it out, so
 * the API's bodies do not show it. The row's strong ETag is made from it (src/common/http/etags.ts).
 */
export const ROW_VERSION: unique symbol = Symbol('row version');

export interface Versioned {
  [ROW_VERSION]?: number;
}

/** The version a row was read or written with, if it carries one. */
export function versionOf(value: unknown): number | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  return (value as Versioned)[ROW_VERSION];
}

/** The row as the UPDATE that increments its version leaves it. */
export function withNextVersion<R extends object>(row: R): R {
  const version = versionOf(row);
  return version === undefined ? row : { ...row, [ROW_VERSION]: version + 1 };
}

/** The row with the given version. */
export function withVersion<R extends object>(row: R, version: number): R {
  return Object.assign(row, { [ROW_VERSION]: version });
}
