// Lime serializes times as ISO 8601 with a numeric offset and microseconds ("2023-09-25T21:41:06.740000+02:00").
// The emulator keeps every time as microseconds since the epoch and writes it in UTC ("+00:00").

const MICROS_PER_SECOND = 1_000_000;

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/u;

/** Microseconds since the epoch for an ISO 8601 date or date-time; undefined when it is not one. No offset = UTC. */
export function parseLimeTime(text: string): number | undefined {
  const match = ISO_PATTERN.exec(text.trim());
  if (match === null) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', offset] = match;
  const fields = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [y, mo, d, h, mi, s] = fields;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 2025-02-30 over into March; a real calendar date survives the round trip.
  if (date.getUTCDate() !== d || date.getUTCMonth() !== mo - 1) return undefined;
  const micros = Number(fraction.padEnd(6, '0').slice(0, 6));
  return (date.getTime() - offsetMinutes(offset) * 60_000) * 1000 + micros;
}

function offsetMinutes(offset: string | undefined): number {
  if (offset === undefined || offset === 'Z' || offset === 'z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
}

function splitMicros(micros: number): { seconds: string; fraction: number } {
  const wholeSeconds = Math.floor(micros / MICROS_PER_SECOND);
  const fraction = micros - wholeSeconds * MICROS_PER_SECOND;
  return { seconds: new Date(wholeSeconds * 1000).toISOString().slice(0, 19), fraction };
}

/** System timestamps (`_timestamp`, `_createdtime`): always with six fraction digits. */
export function formatLimeTimestamp(micros: number): string {
  const { seconds, fraction } = splitMicros(micros);
  return `${seconds}.${String(fraction).padStart(6, '0')}+00:00`;
}

/** `time` property values, as Python's isoformat writes them: the fraction only when it is not zero. */
export function formatLimeTime(micros: number): string {
  const { seconds, fraction } = splitMicros(micros);
  return fraction === 0 ? `${seconds}+00:00` : `${seconds}.${String(fraction).padStart(6, '0')}+00:00`;
}

/** `date` property values: midnight (UTC) of the day. */
export function formatLimeDate(micros: number): string {
  return `${splitMicros(micros).seconds.slice(0, 10)}T00:00:00+00:00`;
}

/**
 * A clock in microseconds that never repeats or goes back: when the wall clock did not move (or moved back),
 * the next reading is the previous one plus 1 µs. Clients use `_timestamp` as a high-water mark, so two writes
 * must never share one.
 */
export function createMonotonicClock(now: () => Date): () => number {
  let last = Number.NEGATIVE_INFINITY;
  return () => {
    const wall = now().getTime() * 1000;
    last = wall > last ? wall : last + 1;
    return last;
  };
}
