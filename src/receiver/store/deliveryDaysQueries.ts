import { z } from 'zod';
import { NOTE_OUTCOMES } from '../../core';
import type { DeliveryDay, DeliveryDays, ParticipantOutcomeTally } from './ports/deliveryStats';
import { integer } from './storedRowReaders';
import { MATCHED_BY, OUTCOME_KINDS, STATUSES } from './storedValues';

// The SQL of DeliveryStats.deliveryDays, one text for both dialects but for the pieces each writes its own way (how
// the list of day starts becomes rows, how a duration becomes milliseconds, how parameters are named), and one reader
// of its rows. The database counts and ranks; what crosses into TypeScript is a few rows per day.

/** What differs per dialect. Every query takes one parameter: the day starts. */
export interface DaysDialect {
  /** Rows `(day, day_start, day_end)`: day 0 from the first start to the second, and so on. */
  spans: string;
  /** Milliseconds from `d.open_since` to `d.delivered_at`. */
  durationMs: string;
  /** The first and the last day start, taken from the one parameter. */
  first: string;
  last: string;
}

const noteOutcomes = NOTE_OUTCOMES.map((outcome) => `'${outcome}'`).join(', ');

/** Each day's deliveries, with what each came to (core's meetingOutcome, in SQL) and its time to note. */
function openedByDay(dialect: DaysDialect): string {
  // Spans materialized, deliveries scanned once within the window: a few ms for a month of 10,000 deliveries, where
  // the planner's own choice (the spans' JSON read again for every delivery) took a quarter of a second.
  return `WITH spans AS MATERIALIZED (${dialect.spans}),
    opened AS (
      SELECT s.day, d.status,
        CASE
          WHEN d.status <> 'delivered' THEN NULL
          WHEN EXISTS (SELECT 1 FROM participant_outcomes p
                       WHERE p.delivery_id = d.id AND p.outcome IN (${noteOutcomes})) THEN 'delivered'
          WHEN EXISTS (SELECT 1 FROM participant_outcomes p
                       WHERE p.delivery_id = d.id AND p.outcome = 'ambiguous' AND p.company_id IS NOT NULL)
            THEN 'company_only'
          ELSE 'no_match'
        END AS outcome,
        CASE WHEN d.status = 'delivered' THEN ${dialect.durationMs} END AS ms
      FROM deliveries d JOIN spans s ON d.open_since >= s.day_start AND d.open_since < s.day_end
      WHERE d.open_since >= ${dialect.first} AND d.open_since < ${dialect.last}
    )`;
}

/** Per day, status and outcome: how many. */
export function dayCountsSql(dialect: DaysDialect): string {
  return `${openedByDay(dialect)}
    SELECT day, status, outcome, CAST(COUNT(*) AS INTEGER) AS count FROM opened GROUP BY day, status, outcome`;
}

/**
 * Per day, the times to note at the ranks (0-based, ascending) the median and the 95th percentile fall between:
 * `(n - 1) * q` rounded down and the next, in integer arithmetic so both dialects pick the same rows.
 */
export function dayPercentileRanksSql(dialect: DaysDialect): string {
  return `${openedByDay(dialect)},
    ranked AS (
      SELECT day, ms, ROW_NUMBER() OVER (PARTITION BY day ORDER BY ms) - 1 AS position,
        COUNT(*) OVER (PARTITION BY day) AS n
      FROM opened WHERE outcome = 'delivered'
    )
    SELECT day, CAST(n AS INTEGER) AS n, CAST(position AS INTEGER) AS position, ms FROM ranked
    WHERE position IN ((n - 1) * 50 / 100, (n - 1) * 50 / 100 + 1, (n - 1) * 95 / 100, (n - 1) * 95 / 100 + 1)`;
}

/** The outcomes of the participants of the meetings delivered in the window, counted. */
export function windowParticipantsSql(dialect: DaysDialect): string {
  return `SELECT p.outcome, p.matched_by, (p.company_id IS NOT NULL) AS company_found,
      CAST(COUNT(*) AS INTEGER) AS count
    FROM deliveries d JOIN participant_outcomes p ON p.delivery_id = d.id
    WHERE d.open_since >= ${dialect.first} AND d.open_since < ${dialect.last} AND d.status = 'delivered'
    GROUP BY p.outcome, p.matched_by, (p.company_id IS NOT NULL)`;
}

const countRecord = z.object({
  day: integer,
  status: z.enum(STATUSES),
  outcome: z.enum(['delivered', 'company_only', 'no_match']).nullable(),
  count: integer,
});
const rankRecord = z.object({ day: integer, n: integer, position: integer, ms: z.number() });

/** The `q`-th percentile (`percent` of 100) of `n` sorted values of which `at` gives those at the two ranks needed. */
function interpolated(n: number, percent: number, at: Map<number, number>): number | undefined {
  const below = Math.floor(((n - 1) * percent) / 100);
  const fraction = (((n - 1) * percent) % 100) / 100;
  const low = at.get(below);
  if (low === undefined) return undefined;
  return fraction === 0 ? low : low + ((at.get(below + 1) ?? low) - low) * fraction;
}

/** Reads the three queries' rows into the port's record; `dayCount` days, `bool` how the dialect's booleans arrive. */
export function toDeliveryDays(
  dayCount: number,
  bool: z.ZodType<boolean>,
  rows: { counts: unknown[]; ranks: unknown[]; participants: unknown[] },
): DeliveryDays {
  const days = Array.from({ length: dayCount }, (): DeliveryDay => ({
    settled: { delivered: 0, company_only: 0, no_match: 0, dead: 0 },
    open: 0,
    notes: 0,
  }));
  for (const row of rows.counts) {
    const { day, status, outcome, count } = countRecord.parse(row);
    const entry = days[day];
    if (entry === undefined) continue;
    if (status === 'dead') entry.settled.dead += count;
    else if (status === 'delivered') entry.settled[outcome ?? 'no_match'] += count;
    else entry.open += count;
  }
  const ranks = new Map<number, { n: number; at: Map<number, number> }>();
  for (const row of rows.ranks) {
    const { day, n, position, ms } = rankRecord.parse(row);
    const entry = ranks.get(day) ?? { n, at: new Map<number, number>() };
    entry.at.set(position, ms);
    ranks.set(day, entry);
  }
  for (const [day, { n, at }] of ranks) {
    const entry = days[day];
    if (entry === undefined) continue;
    entry.notes = n;
    entry.p50Ms = interpolated(n, 50, at);
    entry.p95Ms = interpolated(n, 95, at);
  }
  const tallyRecord = z.object({
    outcome: z.enum(OUTCOME_KINDS),
    matched_by: z.enum(MATCHED_BY).nullable(),
    company_found: bool,
    count: integer,
  });
  return {
    days,
    participants: rows.participants.map((row): ParticipantOutcomeTally => {
      const r = tallyRecord.parse(row);
      return {
        outcome: r.outcome,
        ...(r.matched_by === null ? {} : { matchedBy: r.matched_by }),
        companyFound: r.company_found,
        count: r.count,
      };
    }),
  };
}
