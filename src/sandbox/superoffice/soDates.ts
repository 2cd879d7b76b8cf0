// Date-times on the wire. Stored values are ISO 8601 UTC instants. Created/updated dates travel in UTC; appointment
// dates travel as wall time in the request's zone: the one `SO-Timezone` names, else the tenant's base time zone
// (SuperOffice/SDK-Doc `NetServer.Web.Services/Reference/WebAPI/Headers/SO-Timezone.md`).

import { InvalidRequestError } from './apiResponses';

/** SuperOffice's "no date" value. */
export const NULL_DATE = '0001-01-01T00:00:00';

/**
 * A stored ISO date-time as the WebAPI writes it: `2026-01-02T10:00:00`, with a `Z` only when the request's
 * `SO-Timezone` header asked for `includeTZOffset` (the package fixtures `Appointment63.json` / `-utctz.json`).
 */
export function formatDateTime(iso: string | undefined, includeOffset: boolean): string {
  if (iso === undefined) return NULL_DATE;
  return `${iso.slice(0, 19)}${includeOffset ? 'Z' : ''}`;
}

/**
 * A date column in an archive cell, encoded like the CultureDataFormatter's invariant date:
 * `[D:01/02/2026 10:00:00.0000000]` (month first), in UTC.
 */
export function encodeArchiveDate(iso: string): string {
  const [date = '', time = ''] = iso.split('T');
  const [year, month, day] = date.split('-');
  return `[D:${month}/${day}/${year} ${time.slice(0, 8)}.0000000]`;
}

/** How appointment date-times travel in one request. */
export interface WireZone {
  /** IANA zone of wall times on the wire: the zone `SO-Timezone` names, else the tenant's base time zone. */
  timeZone: string;
  /**
   * `SO-Timezone` named a zone, so an offset in a request value is honoured. Without it NetServer "stores the
   * date+time unchanged" in the base zone (SO-Timezone.md); what it does with a `Z` then is not documented, and the
   * emulator keeps the wall time and drops the offset: a client sending UTC instants without the header sees its
   * meetings moved by the base zone's offset [assumption, stricter than NetServer is likely to be].
   */
  honourOffsets: boolean;
  /** `SO-Timezone` contains `includeTZOffset`. */
  includeOffset: boolean;
}

/** SO-Timezone names the emulator understands: SuperOffice's UTC zone, by name or id (SO-Timezone.md table). */
const UTC_NAMES = ['utc', '1'];

/**
 * How this request's appointment dates travel; undefined when `SO-Timezone` names a zone the emulator does not
 * model (SuperOffice's own codes such as `NO` or `SE` [not modelled]).
 */
export function wireZone(
  request: { timezoneName: string | undefined; includeTimezoneOffset: boolean },
  baseTimeZone: string,
): WireZone | undefined {
  const includeOffset = request.includeTimezoneOffset;
  if (request.timezoneName === undefined) return { timeZone: baseTimeZone, honourOffsets: false, includeOffset };
  if (!UTC_NAMES.includes(request.timezoneName.toLowerCase())) return undefined;
  return { timeZone: 'UTC', honourOffsets: true, includeOffset };
}

/** Whether the runtime knows the IANA zone. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** `2026-01-02T10:00:00` of an instant in `timeZone`, with its offset (`+01:00`, `Z` in UTC) when asked. */
export function formatWallTime(iso: string | undefined, zone: WireZone): string {
  if (iso === undefined) return NULL_DATE;
  const instant = new Date(iso);
  const offsetMinutes = zoneOffsetMinutes(instant, zone.timeZone);
  const wall = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  return zone.includeOffset ? `${wall}${formatOffset(offsetMinutes)}` : wall;
}

/** Minutes east of UTC of `timeZone` at `instant` (daylight saving included). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(instant)
      .map((part) => [part.type, Number(part.value)]),
  );
  const wall = Date.UTC(
    parts['year'] ?? 0,
    (parts['month'] ?? 1) - 1,
    parts['day'] ?? 1,
    parts['hour'] ?? 0,
    parts['minute'] ?? 0,
    parts['second'] ?? 0,
  );
  return Math.round((wall - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

function formatOffset(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const hours = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0');
  return `${sign}${hours}:${String(Math.abs(minutes) % 60).padStart(2, '0')}`;
}

/** The instant at which `timeZone`'s clocks show this wall time (given as UTC milliseconds). */
function wallTimeToInstant(wallMs: number, timeZone: string): number {
  const first = wallMs - zoneOffsetMinutes(new Date(wallMs), timeZone) * 60_000;
  return wallMs - zoneOffsetMinutes(new Date(first), timeZone) * 60_000;
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/u;

/**
 * A date-time from a request body as an ISO UTC string; undefined for absent values and the null date. Values
 * without an offset, and every value when the zone does not honour offsets, are wall time in the zone (UTC when
 * no zone is given: seeds).
 */
export function parseRequestDate(value: unknown, field: string, zone?: WireZone): string | undefined {
  if (value === undefined || value === null) return undefined;
  const match = typeof value === 'string' ? ISO_DATE_TIME.exec(value.trim()) : null;
  if (match === null) throw new InvalidRequestError(`"${field}" must be an ISO 8601 date-time.`);
  const [, year, month, day, hours = '00', minutes = '00', seconds = '00', fraction = '', offsetGiven] = match;
  if (year === '0001') return undefined;
  const wallTime = `${year}-${month}-${day}T${hours}:${minutes}:${seconds}${fraction}`;
  const honourOffset = offsetGiven !== undefined && (zone === undefined || zone.honourOffsets);
  const suffix = !honourOffset || offsetGiven === 'Z' ? 'Z' : `${offsetGiven.slice(0, 3)}:${offsetGiven.slice(-2)}`;
  const date = new Date(`${wallTime}${suffix}`);
  if (Number.isNaN(date.getTime())) throw new InvalidRequestError(`"${field}" is not a valid date-time.`);
  if (honourOffset || zone === undefined) return date.toISOString();
  return new Date(wallTimeToInstant(date.getTime(), zone.timeZone)).toISOString();
}

/** A seed's date-time (thrown errors name the seed field). */
export function parseSeedDate(value: string, field: string): string {
  const iso = parseRequestDate(value, field);
  if (iso === undefined) throw new Error(`${field}: the null date is not a valid seed value`);
  return iso;
}
