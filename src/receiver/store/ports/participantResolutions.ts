import type { ParticipantOutcome } from '../../../core';
import type { ResolvedLater } from './deliveryReads';

/**
 * Participant outcomes that leave a participant without a person: re-matching looks at these again, and an admin may
 * assign them. `company_note` (issue 19 item 1: the company got the note, no person did) counts too.
 */
export const UNRESOLVED_OUTCOMES = ['no_match', 'ambiguous', 'company_note'] as const;

/** A delivered meeting with participants not yet on a person. */
export interface UnresolvedDelivery {
  deliveryId: string;
  conversationId: string;
  /** When the delivery was first received: re-matching stops `REMATCH_DAYS` after it. */
  receivedAt: Date;
  /** The payload indexes of the participants left without a person, in order. */
  participantIndexes: number[];
}

/** Re-matching and an admin's resolution (issue 19 items 2 and 3): which participants wait, and their later outcome. */
export interface ParticipantResolutions {
  /**
   * The delivered deliveries of `target` received at or after `since` that have a participant left without a person
   * (`UNRESOLVED_OUTCOMES`) and still hold their payload; newest first, at most `limit`.
   */
  listUnresolved(query: { target: string; since: Date; limit: number }): Promise<UnresolvedDelivery[]>;
  /**
   * Replaces the stored outcomes of these participants only (the others keep theirs), marking them resolved later.
   * Only while the delivery is delivered: `not_delivered` when it is being (re)delivered or failed meanwhile, and
   * then nothing changes (that delivery's own outcomes will replace them all).
   */
  resolveParticipants(input: {
    deliveryId: string;
    outcomes: readonly ParticipantOutcome[];
    resolved: ResolvedLater;
  }): Promise<'resolved' | 'not_delivered'>;
}
