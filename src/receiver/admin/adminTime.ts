import { formatterFor } from '../../core';

/**
 * The one way the admin pages show a time: in the configured TIME_ZONE (the zone the notes are written in), with the
 * zone's abbreviation or offset, `4 Dec 2026 21:05 CET`; inside `<time datetime="…ISO…" title="Europe/Stockholm">`
 * so machines (and the tooltip) get the exact instant and the zone's name. Every page and partial uses it through
 * the views' `time`/`timeText` locals (adminApp sets them), never `toISOString()` or `toLocale…` of its own.
 */
export interface AdminTime {
  /** The IANA zone (`Europe/Stockholm`). */
  zone: string;
  /** `4 Dec 2026 21:05 CET` (`withSeconds`: `21:05:07`). */
  text(instant: Date | string, options?: { withSeconds?: boolean }): string;
  /** `<time datetime="2026-12-04T20:05:00.000Z" title="Europe/Stockholm">4 Dec 2026 21:05 CET</time>`. */
  html(instant: Date | string, options?: { withSeconds?: boolean }): string;
  /** `YYYY-MM-DD` of the instant's day in the zone (for date inputs). */
  day(instant: Date | string): string;
  /** The instant a `YYYY-MM-DD` day starts in the zone, or undefined for anything else. */
  startOfDay(day: string): Date | undefined;
}

export function adminTime(zone: string): AdminTime {
  const minutes = formatter(zone, false);
  const seconds = formatter(zone, true);
  const parts = (instant: Date, withSeconds: boolean) =>
    Object.fromEntries(
      (withSeconds ? seconds : minutes).formatToParts(instant).map((part) => [part.type, part.value] as const),
    );
  const text = (instant: Date | string, options: { withSeconds?: boolean } = {}) => {
    const date = asDate(instant);
    if (date === undefined) return String(instant);
    const p = parts(date, options.withSeconds === true);
    const clock = `${p['hour']}:${p['minute']}${options.withSeconds === true ? `:${p['second']}` : ''}`;
    return `${p['day']} ${p['month']} ${p['year']} ${clock} ${zoneLabel(p['timeZoneName'] ?? zone)}`;
  };
  const day = (instant: Date | string) => {
    const date = asDate(instant);
    if (date === undefined) return '';
    const p = Object.fromEntries(
      dayFormatter(zone)
        .formatToParts(date)
        .map((part) => [part.type, part.value]),
    );
    return `${p['year']}-${p['month']}-${p['day']}`;
  };
  return {
    zone,
    text,
    html: (instant, options = {}) => {
      const date = asDate(instant);
      if (date === undefined) return escapeHtml(String(instant));
      return `<time datetime="${date.toISOString()}" title="${escapeHtml(zone)}">${escapeHtml(text(date, options))}</time>`;
    },
    day,
    startOfDay: (value) => {
      if (!/^\d{4}-\d{2}-\d{2}$/u.test(value)) return undefined;
      const midnightUtc = Date.parse(`${value}T00:00:00Z`);
      if (Number.isNaN(midnightUtc) || new Date(midnightUtc).toISOString().slice(0, 10) !== value) return undefined;
      return startOfLocalDate(value, zone);
    },
  };
}

/** `GMT+1` as `UTC+01:00`; abbreviations (`CET`, `UTC`) as they are. */
function zoneLabel(name: string): string {
  const offset = /^GMT([+-])(\d{1,2})(?::(\d{2}))?$/u.exec(name);
  if (!offset) return name === 'GMT' ? 'UTC' : name;
  return `UTC${offset[1]}${offset[2]!.padStart(2, '0')}:${offset[3] ?? '00'}`;
}

function asDate(instant: Date | string): Date | undefined {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string, withSeconds: boolean): Intl.DateTimeFormat {
  const key = `${zone} ${withSeconds}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      ...(withSeconds ? { second: '2-digit' as const } : {}),
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(key, format);
  }
  return format;
}

function dayFormatter(zone: string): Intl.DateTimeFormat {
  const key = `${zone} day`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(key, format);
  }
  return format;
}

/** Escapes text for HTML (element content and double-quoted attributes). */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/gu, '&amp;')
    .replace(/</gu, '&lt;')
    .replace(/>/gu, '&gt;')
    .replace(/"/gu, '&quot;')
    .replace(/'/gu, '&#39;');
}

// The local calendar: when a local date starts (also in zones half or three quarters of an hour from UTC, and on the
// days clocks change). The overview's figures and the Deliveries filters both count days with it.

/** The wall clock of `instant` in `timeZone`, as numbers. */
function wallClock(instant: number, timeZone: string) {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts['year'] ?? 1970,
    month: parts['month'] ?? 1,
    day: parts['day'] ?? 1,
    hour: (parts['hour'] ?? 0) % 24,
    minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
  };
}

/** The local date of `instant` in `timeZone`, `YYYY-MM-DD`. */
export function localDate(instant: Date, timeZone: string): string {
  const { year, month, day } = wallClock(instant.getTime(), timeZone);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`, in ms. */
function offsetMs(instant: number, timeZone: string): number {
  const wall = wallClock(instant, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant the local date `date` (`YYYY-MM-DD`) starts in `timeZone`. */
export function startOfLocalDate(date: string, timeZone: string): Date {
  const [year = 1970, month = 1, day = 1] = date.split('-').map(Number);
  const midnightAsUtc = Date.UTC(year, month - 1, day);
  // The offset at the guess may differ from the offset at the answer (summer time began in between): ask twice.
  const guess = midnightAsUtc - offsetMs(midnightAsUtc, timeZone);
  return new Date(midnightAsUtc - offsetMs(guess, timeZone));
}
