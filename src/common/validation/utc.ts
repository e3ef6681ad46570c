import { isoTimestamp } from '../persistence/sql-values';

/** ISO input (any offset) to the API's UTC form; null and undefined pass through. */
export function toUtcIso<V extends string | null | undefined>(value: V): V {
  return (typeof value === 'string' ? isoTimestamp(new Date(value)) : value) as V;
}
