import { crmDisplayName } from '../config/crmInEffect';
import type { ParticipantOutcome } from '../../crm/crmConnector';

/** A participant outcome as the admin pages show it: a short label and a style class. */
export interface Badge {
  label: string;
  tone: 'ok' | 'info' | 'warn' | 'bad' | 'muted';
  /** What it means and what to do (the admin runbook, in one line). */
  help: string;
}

/** The button on a delivered delivery's page that matches again and updates the notes (see deliveryActions). */
export const MATCH_AGAIN = 'Match again and update the notes';

/** The CRM a delivery went to, by its queue target, as people read it. */
export function crmNameOf(target: string): string {
  return crmDisplayName(target);
}

/**
 * A badge worded for the delivery's CRM: the texts above are Lime's (its "history note"); for SuperOffice the note
 * is an appointment. Labels are codes the pages share and stay as they are.
 */
export function badgeForTarget(badge: Badge, target: string): Badge {
  if (target !== 'superoffice') return badge;
  const help = badge.help.replaceAll('Lime', 'SuperOffice').replaceAll('history note', 'appointment');
  return { ...badge, help: help.replace(/\bnotes?\b/gu, (word) => (word === 'note' ? 'appointment' : 'appointments')) };
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
      if (outcome.matchedBy === 'assigned') {
        return {
          label: 'assigned by an admin',
          tone: 'ok',
          help: 'An admin said who this participant is; the note was written on that person (see the trace: who and when).',
        };
      }
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
    case 'company_note':
      return {
        label: 'company note',
        tone: 'info',
        help: `No person was certain but the company was (its switchboard, a number or e-mail all its persons share, or an e-mail domain only its persons have): one note on the company alone. Add the person in Lime, then ${MATCH_AGAIN}, to put it on the person.`,
      };
    case 'no_match':
      return {
        label: 'no match',
        tone: 'warn',
        help: `Nobody in Lime has this e-mail or phone: add the contact in Lime (or turn on Create contacts), then ${MATCH_AGAIN}.`,
      };
    case 'ambiguous':
      return { label: 'ambiguous', tone: 'warn', help: ambiguityAdvice(outcome) };
    case 'internal':
      return {
        label: 'internal',
        tone: 'muted',
        help: 'A colleague (presenter, internal role or your own domain): never matched.',
      };
    case 'not_matchable':
      return { label: 'not matchable', tone: 'muted', help: 'DCI sent neither an e-mail nor a readable phone number.' };
    case 'would_write':
      if (outcome.personId === undefined && outcome.wouldCreate === undefined && outcome.companyId !== undefined) {
        return {
          label: 'would get a company note',
          tone: 'info',
          help: 'No person is certain but the company is: one note would go on the company alone.',
        };
      }
      return outcome.wouldCreate?.person === true
        ? {
            label: 'would be created',
            tone: 'info',
            help: `No person matches: the person${outcome.wouldCreate.company ? ' (and the company, if Lime has none of that name)' : ''} would be created and get the note.`,
          }
        : {
            label: `would get the note (matched by ${outcome.matchedBy ?? '?'})`,
            tone: 'ok',
            help: 'This person matches and would get the note: a new one, or the note already written for this meeting updated.',
          };
    default:
      return { label: String(outcome.outcome).replace(/_/gu, ' '), tone: 'muted', help: '' };
  }
}

/**
 * Why matching refused to choose, read from the stored matching trace (decideMatch writes the reason into it; the
 * outcome row keeps no separate column). `unknown` once the trace was removed with the payload.
 */
export type AmbiguityCause =
  | { kind: 'switchboard'; companyId?: string | undefined }
  | { kind: 'shared_number'; persons?: number | undefined; oneCompany: boolean }
  | { kind: 'duplicate_email' }
  | { kind: 'unknown' };

export function ambiguityCause(trace: string | undefined): AmbiguityCause {
  if (trace === undefined || trace === '') return { kind: 'unknown' };
  const switchboard = /main number of company ([^\s→;,]+)/u.exec(trace);
  if (switchboard) return { kind: 'switchboard', companyId: switchboard[1] };
  if (trace.includes('a switchboard number names a company')) return { kind: 'switchboard' };
  const shared = /held by (\d+) persons \([^)]*\) → no person chosen(; company \S+ only)?/u.exec(trace);
  if (shared) return { kind: 'shared_number', persons: Number(shared[1]), oneCompany: shared[2] !== undefined };
  if (trace.includes('nothing tells them apart')) return { kind: 'duplicate_email' };
  return { kind: 'unknown' };
}

/** What to do about an ambiguous participant: advice that fits why it was ambiguous. */
export function ambiguityAdvice(outcome: Pick<ParticipantOutcome, 'trace'>): string {
  const cause = ambiguityCause(outcome.trace);
  switch (cause.kind) {
    case 'switchboard':
      return `DCI had only a number, and it is ${cause.companyId === undefined ? "a company's" : `company ${cause.companyId}'s`} switchboard (main number): it names the company, not a person, so no person gets the note. Nothing in Lime needs cleaning up: ask for the person's direct number or e-mail (so DCI captures it next time, or add it to the person in Lime), then ${MATCH_AGAIN}.`;
    case 'shared_number':
      return cause.oneCompany
        ? `${cause.persons ?? 'Several'} persons at one company share this number (a switchboard or a shared line), so it cannot tell them apart. They are different people: do not merge them. Add the person's direct number or e-mail in Lime (matching by e-mail comes first), then ${MATCH_AGAIN}.`
        : `${cause.persons ?? 'Several'} persons at different companies have this number: check in Lime which of them really has it and remove it where it is outdated, then ${MATCH_AGAIN}.`;
    case 'duplicate_email':
      return `Several persons in Lime have this e-mail and nothing tells them apart: if they are one person stored twice, clean up the duplicates in Lime (merge them, or remove the e-mail where it is wrong); if they are different people sharing a mailbox (info@…), add each one's own mobile or direct number in Lime (the one holding the number the participant gave gets the note), then ${MATCH_AGAIN}.`;
    case 'unknown':
      return `Several persons fit (a shared e-mail or number, or a switchboard number): see the matching trace, fix the contacts in Lime, then ${MATCH_AGAIN}.`;
  }
}

/** An outcome kept from an earlier delivery, shown while the delivery is not delivered: never as the current match. */
export function earlierBadge(status: 'pending' | 'in_progress' | 'retrying' | 'dead'): Badge {
  return status === 'dead'
    ? {
        label: 'failed',
        tone: 'bad',
        help: 'The latest attempt failed, so nothing was matched in it; see the attempts. What an earlier delivery matched is shown below, as it was then.',
      }
    : {
        label: 'pending',
        tone: 'muted',
        help: 'Being delivered again; what the earlier delivery matched is shown below, as it was then.',
      };
}
