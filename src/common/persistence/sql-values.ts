/**
 * Timestamps cross the drivers as 'YYYY-MM-DD HH:MM:SS[.ffffff]' strings in UTC (mysql2 runs
 * with dateStrings, SQLite stores text), and the API speaks ISO 8601 UTC with milliseconds.
 */
export function timestampToDb(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

export function timestampFromDb(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'string') throw new TypeError(`not a timestamp: ${typeof value}`);
  const text = value;
  // 'YYYY-MM-DD HH:MM:SS.fff', as the service writes them: two slices instead of three and a pad
  if (text.length === 23 && text.charCodeAt(19) === 46) {
    return `${text.slice(0, 10)}T${text.slice(11)}Z`;
  }
  const fraction = text.length > 20 ? text.slice(20, 23).padEnd(3, '0') : '000';
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction}Z`;
}
