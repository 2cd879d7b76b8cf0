import { assertNever } from './assertNever';
import type { ParticipantOutcome, ParticipantOutcomeKind } from './deliverMeeting';

// What a delivered meeting came to, and each participant's outcome, in the few words the overview's pictures and the
// metrics count by. One rule for both (and for the store's SQL, which counts with NOTE_OUTCOMES), so a bar on the
// overview and a counter on /metrics never disagree.

/**
 * Participant outcomes that put (or, in a dry run, would put) a note in the CRM: on a person, or on a company alone
 * (`company_note`: the meeting is in the CRM, on the right company, so the delivery did its job).
 */
export const NOTE_OUTCOMES: readonly ParticipantOutcomeKind[] = [
  'written',
  'updated',
  'same_person',
  'would_write',
  'company_note',
];

/**
 * What a delivered meeting came to:
 * - `delivered`: at least one note was written (or would be, in a dry run);
 * - `company_only`: no note, but a participant named a company (its switchboard, persons of one company nothing
 *   told apart, its e-mail domain) and company notes are off;
 * - `no_match`: no note and no company (nobody matched, only colleagues, or nothing to match by).
 */
export type MeetingOutcome = 'delivered' | 'company_only' | 'no_match';

/** A delivered meeting's outcome from its participants' outcomes. */
export function meetingOutcome(outcomes: readonly Pick<ParticipantOutcome, 'outcome' | 'companyId'>[]): MeetingOutcome {
  if (outcomes.some((outcome) => NOTE_OUTCOMES.includes(outcome.outcome))) return 'delivered';
  if (outcomes.some((outcome) => outcome.outcome === 'ambiguous' && outcome.companyId !== undefined)) {
    return 'company_only';
  }
  return 'no_match';
}

/** A participant's outcome in the words the overview and the metrics count by (no personal data). */
export type ParticipantOutcomeCategory =
  | 'matched_email'
  | 'matched_mobile'
  | 'matched_phone'
  | 'created'
  /** An admin said who the participant is (issue 19: resolution by an admin). */
  | 'assigned'
  | 'company_only'
  | 'ambiguous'
  | 'no_match'
  | 'internal'
  | 'not_matchable'
  | 'dry_run';

/** Every category, in the order the overview lists them. */
export const PARTICIPANT_OUTCOME_CATEGORIES: readonly ParticipantOutcomeCategory[] = [
  'matched_email',
  'matched_mobile',
  'matched_phone',
  'created',
  'assigned',
  'company_only',
  'ambiguous',
  'no_match',
  'internal',
  'not_matchable',
  'dry_run',
];

/** The category of one participant's outcome; `companyFound` says whether the outcome names a company. */
export function participantOutcomeCategory(
  outcome: ParticipantOutcomeKind,
  matchedBy: ParticipantOutcome['matchedBy'],
  companyFound: boolean,
): ParticipantOutcomeCategory {
  switch (outcome) {
    case 'written':
    case 'updated':
    case 'same_person':
      if (matchedBy === 'created' || matchedBy === 'assigned') return matchedBy;
      return matchedBy === 'mobile' ? 'matched_mobile' : matchedBy === 'phone' ? 'matched_phone' : 'matched_email';
    case 'would_write':
      return 'dry_run';
    case 'company_note':
      return 'company_only';
    case 'ambiguous':
      return companyFound ? 'company_only' : 'ambiguous';
    case 'no_match':
    case 'internal':
    case 'not_matchable':
      return outcome;
    default:
      return assertNever(outcome);
  }
}
