import { z } from 'zod';
import { NOTE_OUTCOMES } from '../../core';
import type { DeliveryWindow, ParticipantOutcomeTally, WindowDelivery } from './ports/deliveryStats';
import { integer } from './storedRowReaders';
import { MATCHED_BY, OUTCOME_KINDS, STATUSES } from './storedValues';

// The SQL of DeliveryStats.deliveryWindow, the same text for both dialects but for how the one parameter is
// written (`?` or `$1`), and one reader of its rows given how the dialect's columns arrive.

const noteOutcomes = NOTE_OUTCOMES.map((outcome) => `'${outcome}'`).join(', ');

/**
 * The window's deliveries, each with what its meeting came to (core's meetingOutcome, in SQL: one EXISTS per rule on
 * the outcomes' primary key). `since` is the one parameter.
 */
export function windowDeliveriesSql(since: string): string {
  return `SELECT d.status, d.open_since,
      CASE WHEN d.status = 'delivered' THEN d.delivered_at END AS delivered_at,
      CASE
        WHEN d.status <> 'delivered' THEN NULL
        WHEN EXISTS (SELECT 1 FROM participant_outcomes p
                     WHERE p.delivery_id = d.id AND p.outcome IN (${noteOutcomes})) THEN 'delivered'
        WHEN EXISTS (SELECT 1 FROM participant_outcomes p
                     WHERE p.delivery_id = d.id AND p.outcome = 'ambiguous' AND p.company_id IS NOT NULL)
          THEN 'company_only'
        ELSE 'no_match'
      END AS outcome
    FROM deliveries d WHERE d.open_since >= ${since}`;
}

/** The outcomes of the window's delivered meetings' participants, counted. `since` is the one parameter. */
export function windowParticipantsSql(since: string): string {
  return `SELECT p.outcome, p.matched_by, (p.company_id IS NOT NULL) AS company_found,
      CAST(COUNT(*) AS INTEGER) AS count
    FROM deliveries d JOIN participant_outcomes p ON p.delivery_id = d.id
    WHERE d.open_since >= ${since} AND d.status = 'delivered'
    GROUP BY p.outcome, p.matched_by, (p.company_id IS NOT NULL)`;
}

/** How the dialect's date and boolean columns arrive. */
export interface WindowCodecs {
  date: z.ZodType<Date>;
  optionalDate: z.ZodType<Date | undefined>;
  bool: z.ZodType<boolean>;
}

/** Reads the rows of the two queries into the port's records. */
export function toDeliveryWindow(codecs: WindowCodecs, deliveries: unknown[], participants: unknown[]): DeliveryWindow {
  const deliveryRecord = z.object({
    status: z.enum(STATUSES),
    open_since: codecs.date,
    delivered_at: codecs.optionalDate,
    outcome: z.enum(['delivered', 'company_only', 'no_match']).nullable(),
  });
  const tallyRecord = z.object({
    outcome: z.enum(OUTCOME_KINDS),
    matched_by: z.enum(MATCHED_BY).nullable(),
    company_found: codecs.bool,
    count: integer,
  });
  return {
    deliveries: deliveries.map((row): WindowDelivery => {
      const r = deliveryRecord.parse(row);
      return {
        openedAt: r.open_since,
        status: r.status,
        ...(r.delivered_at === undefined ? {} : { deliveredAt: r.delivered_at }),
        ...(r.outcome === null ? {} : { outcome: r.outcome }),
      };
    }),
    participants: participants.map((row): ParticipantOutcomeTally => {
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
