import { timestampFromDb, timestampToDb } from './sql-values';

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
