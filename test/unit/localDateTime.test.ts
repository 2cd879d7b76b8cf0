import { localDateTime } from '../../src/core';

describe('localDateTime: the wall-clock time SuperOffice stores for an instant in the tenant base time zone', () => {
  it.each([
    ['2026-11-20T08:00:00.000Z', 'Europe/Stockholm', '2026-11-20T09:00:00'],
    ['2026-06-10T07:00:00.000Z', 'Europe/Stockholm', '2026-06-10T09:00:00'],
    ['2026-11-20T23:30:15.000Z', 'Europe/Stockholm', '2026-11-21T00:30:15'],
    ['2026-03-29T00:59:59.000Z', 'Europe/Stockholm', '2026-03-29T01:59:59'],
    ['2026-03-29T01:00:00.000Z', 'Europe/Stockholm', '2026-03-29T03:00:00'],
    ['2026-10-25T00:30:00.000Z', 'Europe/Stockholm', '2026-10-25T02:30:00'],
    ['2026-10-25T01:30:00.000Z', 'Europe/Stockholm', '2026-10-25T02:30:00'],
    ['2026-11-20T08:00:00.000Z', 'Europe/Helsinki', '2026-11-20T10:00:00'],
    ['2026-11-20T08:00:00.000Z', 'UTC', '2026-11-20T08:00:00'],
  ])('%s in %s is %s', (instant, zone, expected) => {
    expect(localDateTime(instant, zone)).toBe(expected);
  });

  it('a zone the runtime does not know throws instead of writing a wrong time', () => {
    expect(() => localDateTime('2026-11-20T08:00:00.000Z', 'Europe/Stokholm')).toThrow(RangeError);
  });
});
