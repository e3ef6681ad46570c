import { isoTimestamp, isoTimestampToDb, timestampFromDb, timestampToDb } from './sql-values';

describe('timestamps between the API and the drivers', () => {
  it('writes UTC with milliseconds', () => {
    expect(timestampToDb(new Date('2025-10-02T09:30:00.123+02:00'))).toBe(
      '2025-10-02 07:30:00.123',
    );
  });

  it.each([
    ['2025-10-02 07:30:00.123000', '2025-10-02T07:30:00.123Z'],
    ['2025-10-02 07:30:00.123', '2025-10-02T07:30:00.123Z'],
    ['2025-10-02 07:30:00.1', '2025-10-02T07:30:00.100Z'],
    ['2025-10-02 07:30:00', '2025-10-02T07:30:00.000Z'],
    ['2025-10-02 07:30:00.000', '2025-10-02T07:30:00.000Z'],
    ['2025-10-02 07:30:00.12', '2025-10-02T07:30:00.120Z'],
  ])('reads %s as %s', (stored, iso) => {
    expect(timestampFromDb(stored)).toBe(iso);
  });

  it('reads NULL as null', () => {
    expect(timestampFromDb(null)).toBeNull();
  });
});

describe('isoTimestamp and isoTimestampToDb against the Date built-ins', () => {
  // a fixed sequence, so that a failure can be repeated
  let seed = 16;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const first = Date.UTC(1000, 0, 1);
  const last = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
  const instants = [
    first,
    first - 1,
    last,
    last + 1,
    0,
    -1,
    Date.UTC(2000, 1, 29, 23, 59, 59, 999),
    Date.UTC(1900, 1, 28, 12),
    Date.UTC(2100, 2, 1),
    Date.UTC(2024, 11, 31, 23, 59, 59, 999),
    Date.UTC(-5, 0, 1),
    8.64e15,
    -8.64e15,
    ...Array.from({ length: 20_000 }, () => Math.floor(first + random() * (last - first))),
  ];

  it('writes what toISOString writes, for every instant', () => {
    for (const time of instants)
      expect(isoTimestamp(new Date(time))).toBe(new Date(time).toISOString());
  });

  it('throws toISOString RangeError for an invalid date', () => {
    expect(() => isoTimestamp(new Date(NaN))).toThrow(RangeError);
  });

  it('turns an ISO text into what timestampToDb(new Date(text)) answers', () => {
    const texts = [
      ...instants.map((time) => new Date(time).toISOString()),
      '2025-10-02T09:30:00.123+02:00',
      '2025-10-02T09:30:00Z',
      '2025-10-02T09:30Z',
      '2025-02-29T00:00:00.000Z',
      '2024-02-29T00:00:00.000Z',
      '2024-02-30T00:00:00.000Z',
      '2025-04-31T00:00:00.000Z',
      '2025-13-01T00:00:00.000Z',
      '2025-10-02T24:00:00.000Z',
      '2025-10-02T23:60:00.000Z',
      '2025-10-02T23:59:60.000Z',
      '2025-10-02T09:30:00.1234',
      '2025-1a-02T09:30:00.123Z',
      '1900-02-29T00:00:00.000Z',
      '2000-02-29T00:00:00.000Z',
    ];
    for (const text of texts) {
      const date = new Date(text);
      if (Number.isNaN(date.getTime())) {
        expect(() => isoTimestampToDb(text)).toThrow(RangeError);
      } else {
        expect(isoTimestampToDb(text)).toBe(timestampToDb(date));
      }
    }
  });
});
