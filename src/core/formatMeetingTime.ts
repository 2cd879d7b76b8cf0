import type { NoteLabels } from './noteLabels';

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A formatter of `timeZone`'s wall clock to the second (24-hour), cached per zone: read with `formatToParts` for the
 * numbers, as the note's times and the admin pages' local days are.
 */
export function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // Throws RangeError for a zone the runtime does not know: configuration is checked with isValidTimeZone.
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when the runtime knows the IANA zone (`Europe/Stockholm`). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function wallClock(isoInstant: string, timeZone: string): Record<string, string> {
  return Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(new Date(isoInstant))
      .map((part) => [part.type, part.value]),
  );
}

/** `YYYY-MM-DD HH:mm` of an instant in an IANA time zone, daylight saving included. */
export function formatMeetingTime(isoInstant: string, timeZone: string): string {
  const parts = wallClock(isoInstant, timeZone);
  return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']}`;
}

/**
 * `YYYY-MM-DDTHH:mm:ss` without an offset: what the clocks in the IANA zone show at the instant (daylight saving
 * included). ECMAScript's `Intl` with time-zone data is needed; an unknown zone throws a RangeError.
 */
export function localDateTime(isoInstant: string, timeZone: string): string {
  const parts = wallClock(isoInstant, timeZone);
  const date = `${parts['year']}-${parts['month']}-${parts['day']}`;
  return `${date}T${parts['hour']}:${parts['minute']}:${parts['second']}`;
}

/** The date and the time of an instant in an IANA time zone, each in the note language's form (noteLabels.ts). */
export function formatNoteDateTime(
  isoInstant: string,
  timeZone: string,
  labels: Pick<NoteLabels, 'date' | 'time'>,
): { date: string; time: string } {
  const parts = wallClock(isoInstant, timeZone);
  const clock = {
    year: parts['year'] ?? '',
    month: parts['month'] ?? '',
    day: parts['day'] ?? '',
    hour: parts['hour'] ?? '',
    minute: parts['minute'] ?? '',
  };
  return { date: labels.date(clock), time: labels.time(clock) };
}
