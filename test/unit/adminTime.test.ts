import { adminTime } from '../../src/receiver/admin/adminTime';
import { messageHtml } from '../../src/receiver/admin/messageHtml';

describe('adminTime: every time on the admin pages in the configured zone, with the zone shown', () => {
  it.each([
    ['Europe/Stockholm', '2026-12-04T20:05:07Z', '4 Dec 2026 21:05 CET'],
    ['Europe/Stockholm', '2026-07-04T20:05:07Z', '4 Jul 2026 22:05 CEST'],
    ['UTC', '2026-12-04T20:05:07Z', '4 Dec 2026 20:05 UTC'],
    ['Asia/Kolkata', '2026-12-04T20:05:07Z', '5 Dec 2026 01:35 UTC+05:30'],
    ['America/New_York', '2026-12-04T20:05:07Z', '4 Dec 2026 15:05 UTC-05:00'],
  ])('%s: %s reads %s', (zone, iso, expected) => {
    expect(adminTime(zone).text(new Date(iso))).toBe(expected);
  });

  it('with seconds for attempts; an ISO string reads the same as a Date', () => {
    const time = adminTime('Europe/Stockholm');
    expect(time.text('2026-12-04T20:05:07Z', { withSeconds: true })).toBe('4 Dec 2026 21:05:07 CET');
  });

  it('as HTML: a <time> with the exact instant for machines and the zone as its title', () => {
    expect(adminTime('Europe/Stockholm').html(new Date('2026-11-20T09:00:00Z'))).toBe(
      '<time datetime="2026-11-20T09:00:00.000Z" title="Europe/Stockholm">20 Nov 2026 10:00 CET</time>',
    );
  });

  it('a day in the zone starts at its local midnight, also on the days clocks change', () => {
    const time = adminTime('Europe/Stockholm');
    expect(time.startOfDay('2026-12-05')?.toISOString()).toBe('2026-12-04T23:00:00.000Z');
    expect(time.startOfDay('2026-07-05')?.toISOString()).toBe('2026-07-04T22:00:00.000Z');
    expect(time.startOfDay('2026-03-29')?.toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(time.startOfDay('2026-10-26')?.toISOString()).toBe('2026-10-25T23:00:00.000Z');
    expect(time.day(new Date('2026-12-04T23:30:00Z'))).toBe('2026-12-05');
    expect(time.startOfDay('not a day')).toBeUndefined();
    expect(time.startOfDay('2026-02-31')).toBeUndefined();
  });

  it.each([
    // Half an hour from UTC, no daylight saving.
    ['Asia/Kolkata', '2026-12-05', '2026-12-04T18:30:00.000Z'],
    // Three and a half hours behind UTC in winter, two and a half in summer.
    ['America/St_Johns', '2026-12-05', '2026-12-05T03:30:00.000Z'],
    ['America/St_Johns', '2026-07-05', '2026-07-05T02:30:00.000Z'],
    // Lord Howe Island moves its clocks by half an hour: +10:30 in winter, +11:00 in summer (from 5 Oct 2026 02:00).
    ['Australia/Lord_Howe', '2026-07-05', '2026-07-04T13:30:00.000Z'],
    ['Australia/Lord_Howe', '2026-10-04', '2026-10-03T13:30:00.000Z'],
    ['Australia/Lord_Howe', '2026-10-05', '2026-10-04T13:00:00.000Z'],
    ['Australia/Lord_Howe', '2026-12-05', '2026-12-04T13:00:00.000Z'],
    // Stockholm on the day summer time begins (29 Mar 2026) and ends (25 Oct 2026), and the days after.
    ['Europe/Stockholm', '2026-03-29', '2026-03-28T23:00:00.000Z'],
    ['Europe/Stockholm', '2026-03-30', '2026-03-29T22:00:00.000Z'],
    ['Europe/Stockholm', '2026-10-25', '2026-10-24T22:00:00.000Z'],
    ['Europe/Stockholm', '2026-10-26', '2026-10-25T23:00:00.000Z'],
  ])('%s: %s starts at %s, its local midnight', (zone, day, start) => {
    const time = adminTime(zone);
    expect(time.startOfDay(day)?.toISOString()).toBe(start);
    // The instant before belongs to the day before: this is where the day begins, not just an instant inside it.
    expect(time.day(new Date(Date.parse(start) - 1000))).not.toBe(day);
    expect(time.day(new Date(start))).toBe(day);
  });
});

describe('messageHtml: messages with `names` as code, everything else escaped', () => {
  it('backticked names become <code>; no backtick is left; markup in a message stays text', () => {
    expect(messageHtml('Then requeue it (or `dci-companion requeue`).')).toBe(
      'Then requeue it (or <code>dci-companion requeue</code>).',
    );
    expect(messageHtml('Lime said: "<b>no</b>" `x')).toBe('Lime said: &quot;&lt;b&gt;no&lt;/b&gt;&quot; x');
  });
});
