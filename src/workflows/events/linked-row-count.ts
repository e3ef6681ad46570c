/** What a handler of a workflow's delete or restore did: how many rows of its kind it changed. */
export interface LinkedRowCount {
  kind: string;
  count: number;
}

export function isLinkedRowCount(value: unknown): value is LinkedRowCount {
  return (
    typeof value === 'object' &&
    value !== null &&
    'kind' in value &&
    typeof value.kind === 'string' &&
    'count' in value &&
    Number.isInteger(value.count)
  );
}

/** Counts per kind, every kind present (0 when nothing changed). */
export type LinkedRowCounts = Record<string, number>;

export function countsByKind(results: readonly LinkedRowCount[]): LinkedRowCounts {
  const counts: LinkedRowCounts = {};
  for (const { kind, count } of results) counts[kind] = (counts[kind] ?? 0) + count;
  return counts;
}
