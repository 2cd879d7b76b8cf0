import type { ParticipantOutcome } from '../../crm/crmConnector';

/** A participant outcome as the admin pages show it: a short label and a style class. */
export interface Badge {
  label: string;
  tone: 'ok' | 'info' | 'warn' | 'bad' | 'muted';
  /** What it means and what to do (the admin runbook, in one line). */
  help: string;
}

/** The badge for one participant's outcome; `failed` when the delivery itself is dead. */
export function badgeFor(outcome: ParticipantOutcome | undefined, deliveryDead = false): Badge {
  if (!outcome) {
    return deliveryDead
      ? {
          label: 'failed',
          tone: 'bad',
          help: 'The delivery failed before this participant was matched; see the attempts.',
        }
      : { label: 'pending', tone: 'muted', help: 'Not delivered yet.' };
  }
  switch (outcome.outcome) {
    case 'written':
    case 'updated':
      return outcome.matchedBy === 'created'
        ? {
            label: 'created',
            tone: 'info',
            help: 'No person matched; company/person were created (Create contacts is on).',
          }
        : {
            label: `matched by ${outcome.matchedBy ?? '?'}`,
            tone: 'ok',
            help:
              outcome.outcome === 'updated'
                ? 'The note from an earlier delivery was updated in place.'
                : 'A note was written.',
          };
    case 'same_person':
      return {
        label: 'same person',
        tone: 'ok',
        help: 'Another participant is the same Lime person: one note covers both.',
      };
    case 'no_match':
      return {
        label: 'no match',
        tone: 'warn',
        help: 'Nobody in Lime has this e-mail or phone: add the contact in Lime (or turn on Create contacts), then Re-run matching.',
      };
    case 'ambiguous':
      return {
        label: 'ambiguous',
        tone: 'warn',
        help: 'Several persons fit (shared e-mail or number, or a switchboard number): clean up duplicates in Lime, then Re-run matching.',
      };
    case 'internal':
      return {
        label: 'internal',
        tone: 'muted',
        help: 'A colleague (presenter, internal role or your own domain): never matched.',
      };
    case 'not_matchable':
      return { label: 'not matchable', tone: 'muted', help: 'DCI sent neither an e-mail nor a readable phone number.' };
    default:
      return { label: outcome.outcome, tone: 'muted', help: '' };
  }
}
