import {
  PARTICIPANT_OUTCOME_CATEGORIES,
  participantOutcomeCategory,
  type MeetingOutcome,
  type ParticipantOutcomeCategory,
} from '../../core';
import type { DeliveryWindow } from '../store/ports/deliveryStats';

// The overview's figures for the last days, counted from the store's raw rows: days are days in the configured time
// zone (summer time included), which is why the store returns rows and this module buckets them.

/** What a settled delivery came to, as the first picture stacks it. */
export type DayOutcome = MeetingOutcome | 'dead';
export const DAY_OUTCOMES: readonly DayOutcome[] = ['delivered', 'company_only', 'no_match', 'dead'];

export interface DayFigures {
  /** The local date, `YYYY-MM-DD`. */
  date: string;
  /** The deliveries opened that day, by what they came to. */
  outcomes: Record<DayOutcome, number>;
  /** Opened that day and not settled yet (pending, in progress, retrying). */
  open: number;
  /** Of those delivered with a note: how many, and their seconds from opened to note, exactly (50th, 95th). */
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

/**
 * The `q` quantile of sorted values, interpolated between the two nearest ranks: what PostgreSQL's
 * `percentile_cont(q)` returns, exactly, so a figure here can be checked with SQL.
 */
export function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const low = sorted[below] ?? 0;
  const high = sorted[Math.ceil(position)] ?? low;
  return low + (high - low) * (position - below);
}

/** The figures of the window's deliveries, per local date of `dates` (from lastLocalDates). */
export function overviewFigures(window: DeliveryWindow, dates: readonly string[], timeZone: string): OverviewFigures {
  const byDate = new Map(
    dates.map((date) => [
      date,
      { outcomes: { delivered: 0, company_only: 0, no_match: 0, dead: 0 }, open: 0, seconds: [] as number[] },
    ]),
  );
  for (const delivery of window.deliveries) {
    const day = byDate.get(localDate(delivery.openedAt, timeZone));
    if (day === undefined) continue;
    if (delivery.status === 'dead') day.outcomes.dead += 1;
    else if (delivery.status === 'delivered') {
      const outcome = delivery.outcome ?? 'no_match';
      day.outcomes[outcome] += 1;
      if (outcome === 'delivered' && delivery.deliveredAt !== undefined) {
        day.seconds.push(Math.max(0, delivery.deliveredAt.getTime() - delivery.openedAt.getTime()) / 1000);
      }
    } else day.open += 1;
  }
  const participants = Object.fromEntries(PARTICIPANT_OUTCOME_CATEGORIES.map((category) => [category, 0])) as Record<
    ParticipantOutcomeCategory,
    number
  >;
  for (const tally of window.participants) {
    participants[participantOutcomeCategory(tally.outcome, tally.matchedBy, tally.companyFound)] += tally.count;
  }
  return {
    timeZone,
    since: startOfLocalDate(dates[0] ?? localDate(new Date(0), timeZone), timeZone),
    days: dates.map((date) => {
      const day = byDate.get(date) ?? {
        outcomes: { delivered: 0, company_only: 0, no_match: 0, dead: 0 },
        open: 0,
        seconds: [],
      };
      const sorted = [...day.seconds].sort((a, b) => a - b);
      return {
        date,
        outcomes: day.outcomes,
        open: day.open,
        notes: sorted.length,
        p50Seconds: percentile(sorted, 0.5),
        p95Seconds: percentile(sorted, 0.95),
      };
    }),
    participants,
  };
}
