/**
 * Timestamps cross the drivers as 'YYYY-MM-DD HH:MM:SS[.ffffff]' strings in UTC (mysql2 runs
 * with dateStrings, SQLite stores text), and the API speaks ISO 8601 UTC with milliseconds.
 */
export function timestampToDb(date: Date): string {
  return canonicalIsoToDb(isoTimestamp(date));
}

/** 'YYYY-MM-DDTHH:MM:SS.sssZ' (as toISOString writes it) to 'YYYY-MM-DD HH:MM:SS.sss'. */
function canonicalIsoToDb(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/**
 * An ISO 8601 timestamp ('YYYY-MM-DDTHH:MM:SS.sssZ') in the database's format, as
 * `timestampToDb(new Date(text))` answers it: a text in exactly the form toISOString writes, with
 * a date and time that exist, is that instant's own ISO text, so two slices of it are enough
 * (no parse, no formatting); any other text is parsed.
 */
export function isoTimestampToDb(text: string): string {
  return isCanonicalIso(text) ? canonicalIsoToDb(text) : timestampToDb(new Date(text));
}

const DIGIT_0 = 48;
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** 'YYYY-MM-DDTHH:MM:SS.sssZ' naming a day and a time that exist (what toISOString writes). */
function isCanonicalIso(text: string): boolean {
  if (
    text.length !== 24 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 || // T
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46 || // .
    text.charCodeAt(23) !== 90 // Z
  ) {
    return false;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  if (year < 0 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month])) return false;
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  return (
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59 &&
    second >= 0 &&
    second <= 59 &&
    digits(text, 20, 23) >= 0
  );
}

const MS_A_DAY = 86_400_000;
/** The instants formatIso below writes: the years 1000 to 9999, those the columns hold. */
const FIRST_FAST = Date.UTC(1000, 0, 1);
const LAST_FAST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

/**
 * `date.toISOString()`, by arithmetic for the years 1000 to 9999 (V8 formats it through a
 * printf-like routine, about 7,000 instructions a call, several times a write); any other date,
 * an invalid one included (RangeError), by toISOString itself.
 */
export function isoTimestamp(date: Date): string {
  const time = date.getTime();
  if (!(time >= FIRST_FAST && time <= LAST_FAST)) return date.toISOString();
  const days = Math.floor(time / MS_A_DAY);
  let rest = time - days * MS_A_DAY;
  // the civil date of a day number (H. Hinnant's days_from_civil, inverted), day 0 = 1970-01-01
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const ms = rest % 1000;
  rest = (rest - ms) / 1000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  const minute = rest % 60;
  const hour = (rest - minute) / 60;
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}.${THREE_DIGITS[ms]}Z`;
}

export function timestampFromDb(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return isoTimestamp(value);
  if (typeof value !== 'string') throw new TypeError(`not a timestamp: ${typeof value}`);
  const text = value;
  // 'YYYY-MM-DD HH:MM:SS.fff', as the service writes them: two slices instead of three and a pad
  if (text.length === 23 && text.charCodeAt(19) === 46) {
    return `${text.slice(0, 10)}T${text.slice(11)}Z`;
  }
  const fraction = text.length > 20 ? text.slice(20, 23).padEnd(3, '0') : '000';
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction}Z`;
}
