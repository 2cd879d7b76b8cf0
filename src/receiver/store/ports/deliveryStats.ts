import type { MeetingOutcome, ParticipantOutcome } from '../../../core';

/** What a settled delivery came to, as the overview counts it: its meeting's outcome, or dead. */
export type SettledOutcome = MeetingOutcome | 'dead';

/** One day's deliveries (those opened in it), counted. Never contains personal data. */
export interface DeliveryDay {
  /** Delivered ones by what their meeting came to (core's meetingOutcome), and the dead. */
  settled: Record<SettledOutcome, number>;
  /** Not settled yet: pending, in progress, retrying. */
  open: number;
  /** Delivered with a note (`settled.delivered`), and their time from opened to delivered, in ms. */
  notes: number;
  /** The median and the 95th percentile, interpolated as PostgreSQL's `percentile_cont`; absent without notes. */
  p50Ms?: number | undefined;
  p95Ms?: number | undefined;
}

/** How many participants of the delivered meetings had one outcome. */
export interface ParticipantOutcomeTally {
  outcome: ParticipantOutcome['outcome'];
  matchedBy?: ParticipantOutcome['matchedBy'];
  /** Whether the outcome names a company (an ambiguous match on a company's number is "company only"). */
  companyFound: boolean;
  count: number;
}

export interface DeliveryDays {
  /** One per span between consecutive `dayStarts`, in their order. */
  days: DeliveryDay[];
  /** The participants of the meetings delivered in the whole window (first start to last), by outcome. */
  participants: ParticipantOutcomeTally[];
}

/**
 * What the overview's pictures read, counted by the database. A delivery counts on the day it was opened
 * (`open_since`: its summary stored, or reopened by a re-send or a requeue), and its time to note runs from then to
 * `delivered_at`. The caller gives the days as instants, because a day is a day in the configured time zone (with its
 * summer time), which SQLite cannot compute; the database returns counts and percentiles, not a row per delivery.
 */
export interface DeliveryStats {
  /**
   * The deliveries opened in each span `[dayStarts[i], dayStarts[i + 1])`, counted, with their percentiles; and the
   * outcomes of the participants of those delivered (an open or dead delivery's outcomes are an earlier attempt's).
   * `dayStarts` ascending, two at least.
   */
  deliveryDays(dayStarts: readonly Date[]): Promise<DeliveryDays>;
}
