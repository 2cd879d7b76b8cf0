import type { MeetingOutcome, ParticipantOutcome } from '../../../core';
import type { DeliveryStatus } from './deliveryQueue';

/** One delivery opened in the window, as the overview's pictures count it. Never contains personal data. */
export interface WindowDelivery {
  /**
   * When the delivery last became open: its summary stored, or reopened by a re-send or a requeue (`open_since`).
   * The day it is counted on, and the start of its time to note.
   */
  openedAt: Date;
  status: DeliveryStatus;
  /** When it was delivered; set when `status` is `delivered`. */
  deliveredAt?: Date | undefined;
  /** What the delivered meeting came to (core's meetingOutcome); set when `status` is `delivered`. */
  outcome?: MeetingOutcome | undefined;
}

/** How many participants of the window's delivered meetings had one outcome. */
export interface ParticipantOutcomeTally {
  outcome: ParticipantOutcome['outcome'];
  matchedBy?: ParticipantOutcome['matchedBy'];
  /** Whether the outcome names a company (an ambiguous match on a company's number is "company only"). */
  companyFound: boolean;
  count: number;
}

/** The deliveries of a window and their participants' outcomes, from one snapshot. */
export interface DeliveryWindow {
  deliveries: WindowDelivery[];
  participants: ParticipantOutcomeTally[];
}

/**
 * What the overview's pictures read: raw rows, not day buckets, because a day is a day in the configured time zone
 * (with its summer time), which the caller knows and SQL would have to be taught twice (SQLite has no zones). A
 * month of a busy receiver is some 10,000 small rows.
 */
export interface DeliveryStats {
  /**
   * Every delivery opened at or after `since` (see `WindowDelivery.openedAt`), in no particular order, and the
   * outcomes of the participants of those delivered (an open or dead delivery's outcomes are an earlier attempt's).
   */
  deliveryWindow(since: Date): Promise<DeliveryWindow>;
}
