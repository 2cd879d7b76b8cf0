import { assertNever } from './assertNever';
import { classifyParticipants, type ClassifiedParticipant } from './classifyParticipants';
import { decideMatch, type CrmId, type MatchCandidates, type MatchDecision, type MatchKey } from './decideMatch';
import type { CandidateSearch, MeetingCrm, NoteTarget } from './meetingCrm';
import { CRM_REQUESTS_PER_MEETING, mapWithLimit } from './mapWithLimit';
import type { MeetingSummary } from './summaryPayload';

export interface MeetingPolicy {
  /** The customer's own e-mail domains: participants there are colleagues, never matched as customers. */
  internalDomains: readonly string[];
  /** Region for phone numbers written without a country code (`SE`). */
  defaultRegion: string;
  /** Create company and person when no person matches. */
  createMissingContacts: boolean;
  /** Match as usual but create and write nothing: matched persons get `would_write`. */
  dryRun?: boolean | undefined;
  /**
   * Company notes: when no person is certain but the company is (its switchboard number, a number or a duplicate
   * e-mail whose persons are all at that one company, or an e-mail domain that belongs to it), one note goes on the
   * company alone, once per company however many participants point at it. Default false (the old behaviour:
   * nothing written); the receiver's `COMPANY_NOTES` and the script's `companyNotes` default to true.
   */
  companyNotes?: boolean | undefined;
}

/** What happened to one participant of the meeting (the receiver stores it; the SuperOffice script answers it). */
export type ParticipantOutcomeKind =
  /** A new note was written on the person. */
  | 'written'
  /** Our note for this conversation already existed on the person and was updated. */
  | 'updated'
  /** Another participant resolved to the same person, whose note covers both. */
  | 'same_person'
  /** No person matched and contacts are not created. */
  | 'no_match'
  /** Several persons fit and nothing told them apart: nothing written, shown for review. */
  | 'ambiguous'
  /**
   * No person was certain but the company was: our note was written (or updated) on the company alone, once for
   * all participants that pointed at it. `companyId` and `noteId` set, no `personId`.
   */
  | 'company_note'
  /** A colleague of the presenter. */
  | 'internal'
  /** Neither an e-mail nor a readable phone number. */
  | 'not_matchable'
  /**
   * Dry run only: the person matched (or would be created, see `wouldCreate`) and would get the note — a new one,
   * or our existing note for the conversation updated. Nothing was written.
   */
  | 'would_write';

export interface ParticipantOutcome {
  /** Position in the payload's participants. */
  participantIndex: number;
  outcome: ParticipantOutcomeKind;
  /** How the person was found; `created` when the person was created for this meeting. */
  matchedBy?: MatchKey | 'created' | undefined;
  /** Whether the company and/or person were created for this meeting. */
  created?: { company: boolean; person: boolean } | undefined;
  /**
   * Dry run only: no person matched and contacts are created, so the person would be created — with its company
   * when the participant names one the CRM does not have (`company: true` means "if the CRM has no company of that
   * name").
   */
  wouldCreate?: { company: boolean; person: boolean } | undefined;
  personId?: CrmId | undefined;
  companyId?: CrmId | undefined;
  noteId?: CrmId | undefined;
  /** Human-readable matching trace (contains the e-mail/phone searched: stored, shown to admins, never logged). */
  trace: string;
}

export interface MeetingResult {
  /** By participant index. */
  outcomes: ParticipantOutcome[];
  /** Every classified participant (colleagues and the not matchable too), for answers that name them. */
  participants: ClassifiedParticipant[];
}

interface PersonToWrite {
  participantIndex: number;
  personId: CrmId;
  companyId?: CrmId | undefined;
  matchedBy: MatchKey | 'created';
  created?: { company: boolean; person: boolean } | undefined;
  trace: string;
}

/** A participant whose company is certain though no person is: the company gets a note of its own. */
interface CompanyToWrite {
  participantIndex: number;
  companyOnly: CrmId;
  matchedBy: MatchKey;
  trace: string;
  /** The outcome when the company gets no note of its own (its note comes from a person's, see below). */
  otherwise: ParticipantOutcome;
}

/**
 * A meeting into one CRM: classifies the participants once, finds each external one's candidates through the
 * port, decides (`decideMatch`), creates missing contacts when allowed, and writes one note per person however many
 * participants resolved to them. I/O only through `crm`; its failures propagate.
 */
export async function deliverMeeting(
  summary: MeetingSummary,
  crm: MeetingCrm,
  policy: MeetingPolicy,
): Promise<MeetingResult> {
  const classified = classifyParticipants(summary, {
    internalDomains: policy.internalDomains,
    defaultRegion: policy.defaultRegion,
  });
  const participants = [...classified.internal, ...classified.notMatchable, ...classified.external];
  const outcomes: ParticipantOutcome[] = [
    ...classified.internal.map((participant): ParticipantOutcome => ({
      participantIndex: participant.index,
      outcome: 'internal',
      trace: `internal (${participant.reason.replace('_', ' ')}) → not matched`,
    })),
    ...classified.notMatchable.map((participant): ParticipantOutcome => ({
      participantIndex: participant.index,
      outcome: 'not_matchable',
      trace:
        participant.unreadablePhones.length > 0
          ? 'no e-mail, and no phone number that could be read safely → not matched'
          : 'no e-mail or phone → not matched',
    })),
  ];
  const done = () => ({ outcomes: outcomes.sort((a, b) => a.participantIndex - b.participantIndex), participants });
  if (classified.external.length === 0) return done();

  const presenterEmail = summary.presenter?.email;
  // The presenter and the participants looked up at the same time: reads only, neither needs the other (so one
  // request more than CRM_REQUESTS_PER_MEETING may be open for a moment).
  const [presenterId, candidates] = await Promise.all([
    presenterEmail === undefined ? undefined : crm.findPresenter(presenterEmail),
    searchCandidates(crm.candidates, classified.external),
  ]);

  // Decide every participant in turn (creating contacts one after another: two participants of one new company
  // must not both create it); one note per person.
  const writes: PersonToWrite[] = [];
  const companyWrites: CompanyToWrite[] = [];
  const sameAs: Array<{ outcome: ParticipantOutcome; first: PersonToWrite }> = [];
  let created = false;
  for (const [position, participant] of classified.external.entries()) {
    // A contact created for an earlier participant may be this one's too (the same e-mail twice): searched before
    // that creation, their own lookup would miss it, so it is made again.
    const search = crm.candidates;
    const found = created && search.per === 'participant' ? await search.find(participant) : candidates[position];
    const decision = decideMatch(participant, found ?? { persons: [] }, {
      defaultRegion: policy.defaultRegion,
      internalDomains: policy.internalDomains,
    });
    const resolved = await resolvePerson(participant, decision, crm, policy);
    if ('companyOnly' in resolved) {
      companyWrites.push(resolved);
      continue;
    }
    if (!('outcome' in resolved) && resolved.created !== undefined) created = true;
    if ('outcome' in resolved) {
      outcomes.push(resolved);
      continue;
    }
    const first = writes.find((write) => write.personId === resolved.personId);
    if (!first) {
      writes.push(resolved);
      continue;
    }
    const outcome: ParticipantOutcome = {
      participantIndex: participant.index,
      outcome: 'same_person',
      matchedBy: resolved.matchedBy,
      personId: resolved.personId,
      companyId: resolved.companyId,
      trace: `${resolved.trace} → same person as participant ${first.participantIndex + 1}: one ${crm.names.note}`,
    };
    sameAs.push({ outcome, first });
    outcomes.push(outcome);
  }

  // A company that gets a matched person's note has the meeting already: no second note on it alone.
  const companyNotes = new Map<string, CompanyToWrite[]>();
  for (const write of companyWrites) {
    const withPerson = writes.find((person) => person.companyId === write.companyOnly);
    if (withPerson) {
      outcomes.push({
        ...write.otherwise,
        trace: `${write.trace} → company ${String(write.companyOnly)} gets person ${String(withPerson.personId)}'s ${crm.names.note} (participant ${withPerson.participantIndex + 1}): no ${crm.names.note} on the company alone`,
      });
      continue;
    }
    const key = String(write.companyOnly);
    companyNotes.set(key, [...(companyNotes.get(key) ?? []), write]);
  }
  const companyGroups = [...companyNotes.values()];

  if (policy.dryRun === true) {
    for (const group of companyGroups) {
      for (const write of group) {
        outcomes.push({
          participantIndex: write.participantIndex,
          outcome: 'would_write',
          matchedBy: write.matchedBy,
          companyId: write.companyOnly,
          trace: `${write.trace} → a company ${crm.names.note} would be written (dry run: nothing written)`,
        });
      }
    }
    for (const write of writes) {
      outcomes.push({
        participantIndex: write.participantIndex,
        outcome: 'would_write',
        matchedBy: write.matchedBy,
        personId: write.personId,
        companyId: write.companyId,
        trace: `${write.trace} → ${crm.names.note} would be written (dry run: nothing written)`,
      });
    }
    return done();
  }

  const targets: NoteTarget[] = [
    ...writes.map(({ personId, companyId }) => ({ personId, companyId })),
    ...companyGroups.flatMap(([first]) => (first ? [{ companyId: first.companyOnly }] : [])),
  ];
  const written = targets.length === 0 ? [] : await crm.writeNotes(targets, presenterId);
  companyGroups.forEach((group, index) => {
    const result = written[writes.length + index];
    if (!result) return;
    group.forEach((write, position) => {
      const first = group[0];
      outcomes.push({
        participantIndex: write.participantIndex,
        outcome: 'company_note',
        matchedBy: write.matchedBy,
        companyId: write.companyOnly,
        noteId: result.noteId,
        trace:
          position === 0 || !first
            ? `${write.trace} → company ${crm.names.note} ${String(result.noteId)} ${result.action === 'created' ? 'written' : 'updated'}`
            : `${write.trace} → same company as participant ${first.participantIndex + 1}: one company ${crm.names.note} (${String(result.noteId)})`,
      });
    });
  });
  const noteIds = new Map<PersonToWrite, CrmId>();
  writes.forEach((write, index) => {
    const result = written[index];
    if (!result) return;
    noteIds.set(write, result.noteId);
    outcomes.push({
      participantIndex: write.participantIndex,
      outcome: result.action === 'created' ? 'written' : 'updated',
      matchedBy: write.matchedBy,
      created: write.created,
      personId: write.personId,
      companyId: write.companyId,
      noteId: result.noteId,
      trace: `${write.trace} → ${crm.names.note} ${String(result.noteId)} ${result.action}`,
    });
  });
  for (const { outcome, first } of sameAs) outcome.noteId = noteIds.get(first);
  return done();
}

/**
 * Each participant's candidates, in the participants' order: the meeting's, searched once, or each participant's
 * own, searched a few at a time (lookups only, so their order does not matter; mapWithLimit.ts says why a few).
 */
async function searchCandidates(
  search: CandidateSearch,
  participants: readonly ClassifiedParticipant[],
): Promise<MatchCandidates[]> {
  if (search.per === 'participant')
    return mapWithLimit(participants, CRM_REQUESTS_PER_MEETING, (participant) => search.find(participant));
  const found = await search.find(participants);
  const candidates: MatchCandidates = 'persons' in found ? found : { persons: found };
  return participants.map(() => candidates);
}

/** The person a participant's decision names (created when allowed), or the outcome when there is none. */
async function resolvePerson(
  participant: ClassifiedParticipant,
  decision: MatchDecision,
  crm: MeetingCrm,
  policy: MeetingPolicy,
): Promise<PersonToWrite | CompanyToWrite | ParticipantOutcome> {
  const participantIndex = participant.index;
  const companyNotes = policy.companyNotes === true;
  switch (decision.kind) {
    case 'matched':
      return {
        participantIndex,
        personId: decision.personId,
        companyId: decision.companyId,
        matchedBy: decision.by,
        trace: decision.trace,
      };
    case 'ambiguous': {
      const otherwise: ParticipantOutcome = {
        participantIndex,
        outcome: 'ambiguous',
        matchedBy: decision.by,
        companyId: decision.companyId,
        trace: `${decision.trace} → nothing written; ${
          decision.reason === 'company_main_number'
            ? 'a switchboard number names a company, not a person'
            : `check for duplicate persons in ${crm.names.crm}`
        }`,
      };
      if (!companyNotes || decision.companyId === undefined) return otherwise;
      return {
        participantIndex,
        companyOnly: decision.companyId,
        matchedBy: decision.by,
        trace: decision.trace,
        otherwise,
      };
    }
    case 'none': {
      const domainCompany = companyNotes ? decision.companyId : undefined;
      if (!policy.createMissingContacts) {
        const otherwise: ParticipantOutcome = {
          participantIndex,
          outcome: 'no_match',
          trace: `${decision.trace} → no match; creating contacts is off`,
        };
        if (domainCompany === undefined) return otherwise;
        return { participantIndex, companyOnly: domainCompany, matchedBy: 'email', trace: decision.trace, otherwise };
      }
      if (domainCompany !== undefined) {
        // The e-mail's domain is the company's for certain: the person is created there, not at a company found or
        // created by the name the participant gave (which may be spelled another way, or missing).
        if (policy.dryRun === true) {
          return {
            participantIndex,
            outcome: 'would_write',
            matchedBy: 'created',
            wouldCreate: { company: false, person: true },
            companyId: domainCompany,
            trace: `${decision.trace} → no match; a person would be created at company ${String(domainCompany)} and get the ${crm.names.note} (dry run: nothing written)`,
          };
        }
        const contact = await crm.createContact(participant, domainCompany);
        return {
          participantIndex,
          personId: contact.personId,
          companyId: contact.companyId,
          matchedBy: 'created',
          created: { company: contact.companyCreated, person: true },
          trace: `${decision.trace} → ${contact.trace} → person ${String(contact.personId)} created`,
        };
      }
      // Dry run: creating looks up the company and writes in one go, so the company lookup is skipped too.
      if (policy.dryRun === true) {
        const company = participant.company !== undefined && participant.company.trim() !== '';
        return {
          participantIndex,
          outcome: 'would_write',
          matchedBy: 'created',
          wouldCreate: { company, person: true },
          trace: `${decision.trace} → no match; a person would be created${
            company ? ` (and the company, unless ${crm.names.crm} has one by that name)` : ''
          } and get the ${crm.names.note} (dry run: nothing written)`,
        };
      }
      const contact = await crm.createContact(participant);
      return {
        participantIndex,
        personId: contact.personId,
        companyId: contact.companyId,
        matchedBy: 'created',
        created: { company: contact.companyCreated, person: true },
        trace: `${decision.trace} → ${contact.trace} → person ${String(contact.personId)} created`,
      };
    }
    default:
      return assertNever(decision);
  }
}
