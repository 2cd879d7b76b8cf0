import {
  PARTICIPANT_OUTCOME_CATEGORIES,
  participantOutcomeCategory,
  type ParticipantOutcomeCategory,
} from '../../core';
import type { DeliveryDays, SettledOutcome } from '../store/ports/deliveryStats';
import { localDate, startOfLocalDate } from './adminTime';

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
