// Date-times on the wire. The emulated tenant and user live in UTC; stored values are ISO 8601 UTC strings.

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

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/u;

/**
 * A date-time from a request body as an ISO UTC string; undefined for absent values and the null date. Values
 * without an offset are read as UTC (the emulated user's time zone).
 */
export function parseRequestDate(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const match = typeof value === 'string' ? ISO_DATE_TIME.exec(value.trim()) : null;
  if (match === null) throw new InvalidRequestError(`"${field}" must be an ISO 8601 date-time.`);
  const [, year, month, day, hours = '00', minutes = '00', seconds = '00', fraction = '', zone = 'Z'] = match;
  if (year === '0001') return undefined;
  const offset = zone === 'Z' ? zone : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const date = new Date(`${year}-${month}-${day}T${hours}:${minutes}:${seconds}${fraction}${offset}`);
  if (Number.isNaN(date.getTime())) throw new InvalidRequestError(`"${field}" is not a valid date-time.`);
  return date.toISOString();
}

/** A seed's date-time (thrown errors name the seed field). */
export function parseSeedDate(value: string, field: string): string {
  const iso = parseRequestDate(value, field);
  if (iso === undefined) throw new Error(`${field}: the null date is not a valid seed value`);
  return iso;
}
