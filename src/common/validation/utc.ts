/** ISO input (any offset) to the API's UTC form; null and undefined pass through. */
export function toUtcIso<V extends string | null | undefined>(value: V): V {
  return (typeof value === 'string' ? new Date(value).toISOString() : value) as V;
}
