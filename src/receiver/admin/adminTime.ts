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
      if (Number.isNaN(midnightUtc)) return undefined;
      // The zone's offset is within ±14 h: of the candidate instants around UTC midnight, the first whose local day
      // is this one starts it (daylight saving never moves midnight by more than an hour).
      for (let hour = -14; hour <= 14; hour += 1) {
        const candidate = new Date(midnightUtc + hour * 3600_000);
        if (day(candidate) === value) return candidate;
      }
      return new Date(midnightUtc);
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
