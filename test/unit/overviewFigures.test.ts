import fc from 'fast-check';
import { dayStarts, lastLocalDates, overviewFigures, percentile } from '../../src/receiver/admin/overviewFigures';
import { localDate, startOfLocalDate } from '../../src/receiver/admin/adminTime';
import { formatSeconds, logTicksFor } from '../../src/receiver/admin/overviewCharts';
import type { DeliveryDays } from '../../src/receiver/store/ports/deliveryStats';

const SECOND = 1000;

describe('local days', () => {
  it.each([
    ['2026-03-29', 'Europe/Stockholm', '2026-03-28T23:00:00.000Z'], // summer time starts that night
    ['2026-03-30', 'Europe/Stockholm', '2026-03-29T22:00:00.000Z'],
    ['2026-10-25', 'Europe/Stockholm', '2026-10-24T22:00:00.000Z'], // and ends
    ['2026-10-26', 'Europe/Stockholm', '2026-10-25T23:00:00.000Z'],
    ['2026-03-08', 'America/New_York', '2026-03-08T05:00:00.000Z'],
    ['2026-12-04', 'Asia/Kolkata', '2026-12-03T18:30:00.000Z'],
    ['2026-12-04', 'Pacific/Kiritimati', '2026-12-03T10:00:00.000Z'],
    ['2026-12-04', 'UTC', '2026-12-04T00:00:00.000Z'],
  ])('%s starts in %s at %s', (date, zone, start) => {
    expect(startOfLocalDate(date, zone).toISOString()).toBe(start);
  });

  it('every instant falls between the start of its local date and the start of the next', () => {
    const zones = ['Europe/Stockholm', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC'];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2030-01-01') }),
        fc.constantFrom(...zones),
        (ms, zone) => {
          const date = localDate(new Date(ms), zone);
          const [, next] = lastLocalDates(
            new Date(startOfLocalDate(date, zone).getTime() + 36 * 3600 * SECOND),
            zone,
            2,
          );
          expect(startOfLocalDate(date, zone).getTime()).toBeLessThanOrEqual(ms);
          expect(ms).toBeLessThan(startOfLocalDate(next ?? '', zone).getTime());
        },
      ),
    );
  });

  it('the last days end with today in the time zone, not in UTC', () => {
    const lateEvening = new Date('2026-12-04T23:30:00Z');
    expect(lastLocalDates(lateEvening, 'Europe/Stockholm', 3)).toEqual(['2026-12-03', '2026-12-04', '2026-12-05']);
    expect(lastLocalDates(lateEvening, 'UTC', 3)).toEqual(['2026-12-02', '2026-12-03', '2026-12-04']);
    expect(lastLocalDates(new Date('2026-03-01T12:00:00Z'), 'UTC', 2)).toEqual(['2026-02-28', '2026-03-01']);
  });
});

describe('percentiles', () => {
  // What PostgreSQL answers: SELECT percentile_cont(q) WITHIN GROUP (ORDER BY x) FROM unnest(ARRAY[...]) x.
  it.each([
    [[3.5, 7, 10, 30, 100], 0.5, 10],
    [[3.5, 7, 10, 30, 100], 0.95, 86],
    [[10, 30], 0.5, 20],
    [[10, 30], 0.95, 29],
    [[42], 0.95, 42],
  ])('of %j at %d is %d, as percentile_cont', (values, q, expected) => {
    expect(percentile(values, q)).toBeCloseTo(expected, 9);
  });

  it('of nothing is nothing', () => {
    expect(percentile([], 0.5)).toBeUndefined();
  });
});

describe('figures per day', () => {
  it('the store counts between the starts of the local dates and the start of the day after', () => {
    expect(dayStarts(['2026-10-24', '2026-10-25'], 'Europe/Stockholm').map((start) => start.toISOString())).toEqual([
      '2026-10-23T22:00:00.000Z',
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z', // the 25th had 25 hours
    ]);
  });

  it("the days take the store's counts in order, times in seconds, participants by category", () => {
    const counted: DeliveryDays = {
      days: [
        {
          settled: { delivered: 1, company_only: 1, no_match: 0, dead: 1 },
          open: 1,
          notes: 1,
          p50Ms: 30_000,
          p95Ms: 30_000,
        },
        { settled: { delivered: 0, company_only: 0, no_match: 0, dead: 0 }, open: 0, notes: 0 },
      ],
      participants: [
        { outcome: 'written', matchedBy: 'email', companyFound: true, count: 2 },
        { outcome: 'same_person', matchedBy: 'mobile', companyFound: true, count: 1 },
        { outcome: 'ambiguous', matchedBy: 'phone', companyFound: true, count: 1 },
        { outcome: 'ambiguous', matchedBy: 'email', companyFound: false, count: 3 },
      ],
    };

    const figures = overviewFigures(counted, ['2026-12-04', '2026-12-05'], 'Europe/Stockholm');

    expect(figures.since.toISOString()).toBe('2026-12-03T23:00:00.000Z');
    expect(figures.days).toEqual([
      {
        date: '2026-12-04',
        outcomes: { delivered: 1, company_only: 1, no_match: 0, dead: 1 },
        open: 1,
        notes: 1,
        p50Seconds: 30,
        p95Seconds: 30,
      },
      {
        date: '2026-12-05',
        outcomes: { delivered: 0, company_only: 0, no_match: 0, dead: 0 },
        open: 0,
        notes: 0,
        p50Seconds: undefined,
        p95Seconds: undefined,
      },
    ]);
    expect(figures.participants).toMatchObject({ matched_email: 2, matched_mobile: 1, company_only: 1, ambiguous: 3 });
  });
});

describe('the time axis', () => {
  it.each([
    [
      [2, 30],
      ['1 s', '10 s', '1 min'],
    ],
    [
      [12, 10_080],
      ['10 s', '1 min', '10 min', '1 h', '6 h'],
    ],
    [
      [0.2, 0.5],
      ['1 s', '10 s'],
    ],
    [
      [3600, 3600],
      ['1 h', '6 h'],
    ],
  ])('durations %j are drawn on ticks %j', (seconds, labels) => {
    expect(logTicksFor(seconds).map((tick) => tick.label)).toEqual(labels);
  });
});

describe('durations in words', () => {
  it.each([
    [0, 'under 1 s'],
    [0.4, 'under 1 s'],
    [1, '1 s'],
    [42, '42 s'],
    [210, '3.5 min'],
    [4320, '72 min'],
    [9000, '2.5 h'],
  ])('%d s reads %j', (seconds, words) => {
    expect(formatSeconds(seconds)).toBe(words);
  });
});
