import {
  PARTICIPANT_OUTCOME_CATEGORIES,
  participantOutcomeCategory,
  type ParticipantOutcomeCategory,
} from '../../core';
import type { DeliveryDays, SettledOutcome } from '../store/ports/deliveryStats';

// The overview's figures for the last days: days are days in the configured time zone (summer time included), so this
// module works out when each starts, and the store counts the deliveries between.

/** What a settled delivery came to, as the first picture stacks it. */
export type DayOutcome = SettledOutcome;
export const DAY_OUTCOMES: readonly DayOutcome[] = ['delivered', 'company_only', 'no_match', 'dead'];

export interface DayFigures {
  /** The local date, `YYYY-MM-DD`. */
  date: string;
  /** The deliveries opened that day, by what they came to. */
  outcomes: Record<DayOutcome, number>;
  /** Opened that day and not settled yet (pending, in progress, retrying). */
  open: number;
  /** Of those delivered with a note: how many, and their seconds from opened to note (50th and 95th percentile). */
  notes: number;
  p50Seconds?: number | undefined;
  p95Seconds?: number | undefined;
}

export interface OverviewFigures {
  timeZone: string;
  /** The first instant counted: midnight starting the first day, in the time zone. */
  since: Date;
  /** Oldest first, the last one today. */
  days: DayFigures[];
  /** The participants of the window's delivered meetings, by category, in PARTICIPANT_OUTCOME_CATEGORIES's order. */
  participants: Record<ParticipantOutcomeCategory, number>;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(timeZone: string): Intl.DateTimeFormat {
  let format = dateFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    dateFormats.set(timeZone, format);
  }
  return format;
}

/** The wall clock of `instant` in `timeZone`, as numbers. */
function wallClock(instant: number, timeZone: string) {
  const parts: Record<string, number> = {};
  for (const part of dateFormat(timeZone).formatToParts(new Date(instant))) {
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

/** The `count` local dates ending with today's, oldest first (calendar days: no zone can skip or repeat one). */
export function lastLocalDates(now: Date, timeZone: string, count: number): string[] {
  const [year = 1970, month = 1, day = 1] = localDate(now, timeZone).split('-').map(Number);
  return Array.from({ length: count }, (_, index) =>
    new Date(Date.UTC(year, month - 1, day - (count - 1 - index))).toISOString().slice(0, 10),
  );
}

/** The `q` quantile of sorted values, interpolated between the two nearest ranks (as `percentile_cont(q)`). */
export function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const low = sorted[below] ?? 0;
  const high = sorted[Math.ceil(position)] ?? low;
  return low + (high - low) * (position - below);
}

/** The instants the store counts between: the start of each local date, and the start of the day after the last. */
export function dayStarts(dates: readonly string[], timeZone: string): Date[] {
  const last = dates[dates.length - 1];
  if (last === undefined) return [];
  const [year = 1970, month = 1, day = 1] = last.split('-').map(Number);
  const next = new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
  return [...dates, next].map((date) => startOfLocalDate(date, timeZone));
}

/** The figures of the local dates `dates` from the store's counts of their days (in the same order). */
export function overviewFigures(counted: DeliveryDays, dates: readonly string[], timeZone: string): OverviewFigures {
  const participants = Object.fromEntries(PARTICIPANT_OUTCOME_CATEGORIES.map((category) => [category, 0])) as Record<
    ParticipantOutcomeCategory,
    number
  >;
  for (const tally of counted.participants) {
    participants[participantOutcomeCategory(tally.outcome, tally.matchedBy, tally.companyFound)] += tally.count;
  }
  return {
    timeZone,
    since: startOfLocalDate(dates[0] ?? localDate(new Date(0), timeZone), timeZone),
    days: dates.map((date, index): DayFigures => {
      const day = counted.days[index];
      return {
        date,
        outcomes: { ...(day?.settled ?? { delivered: 0, company_only: 0, no_match: 0, dead: 0 }) },
        open: day?.open ?? 0,
        notes: day?.notes ?? 0,
        p50Seconds: day?.p50Ms === undefined ? undefined : day.p50Ms / 1000,
        p95Seconds: day?.p95Ms === undefined ? undefined : day.p95Ms / 1000,
      };
    }),
    participants,
  };
}
