import { assertNever } from './assertNever';
import { classifyParticipants, type ClassifiedParticipant } from './classifyParticipants';
import { decideMatch, type CrmId, type MatchCandidates, type MatchDecision, type MatchKey } from './decideMatch';
import type { CandidateSearch, MeetingCrm, NoteTarget } from './meetingCrm';
import { CRM_REQUESTS_PER_MEETING, mapWithLimit } from './mapWithLimit';
import type { NoteLanguage } from './noteLabels';
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
  /** The language the connector renders the note in (renderNote's `language`). Default English. */
  noteLanguage?: NoteLanguage | undefined;
  /**
   * Link each note to its company's only open deal (`LINK_DEAL`; needs `MeetingCrm.findOpenDeals`): none or several
   * open deals link none, and the trace says which. Default false: no deal is looked up.
   */
  linkDeal?: boolean | undefined;
  /**
   * Re-matching and an admin's resolution: only these participants (payload indexes) are matched and written; the
   * others get no outcome at all, so the caller keeps their stored ones. Undefined: every participant.
   */
  onlyParticipants?: ReadonlySet<number> | undefined;
  /**
   * An admin's choice: the participant (payload index) IS this person. The person (and their company) is read from
   * the CRM (`MeetingCrm.readPerson`); one that does not exist or was deleted throws `PersonNotFoundError`, never a
   * note on nobody. The participant still has to be an external one (not a colleague).
   */
  assignments?: ReadonlyMap<number, PersonAssignment> | undefined;
}

/** An admin's "this participant is that person". */
export interface PersonAssignment {
  personId: CrmId;
  /** Who chose, for the trace: `admin` plus the session's identity, or the CLI's user. */
  by: string;
  /** When, ISO 8601 (the trace says it). */
  at: string;
}

/** An assigned person that the CRM does not have (a wrong id, or deleted since). */
export class PersonNotFoundError extends Error {
  readonly code = 'person_not_found';
  constructor(
    readonly personId: CrmId,
    crmName: string,
  ) {
    super(`${crmName} has no person ${String(personId)} (a wrong id, or deleted): nothing was written.`);
    this.name = 'PersonNotFoundError';
  }
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
  /**
   * How the person was found; `created` when the person was created for this meeting, `assigned` when an admin
   * said who it is.
   */
  matchedBy?: MatchKey | 'created' | 'assigned' | undefined;
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
  matchedBy: MatchKey | 'created' | 'assigned';
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

/** The note on one company alone, for every participant in `group` (the company's, none of them a certain person). */
interface CompanyNote {
  companyId: CrmId;
  group: CompanyToWrite[];
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
  const { onlyParticipants, assignments } = policy;
  const concerned = (participant: { index: number }) =>
    onlyParticipants === undefined || onlyParticipants.has(participant.index);
  const internal = classified.internal.filter(concerned);
  const notMatchable = classified.notMatchable.filter(concerned);
  const external = classified.external.filter(concerned);
  const outcomes: ParticipantOutcome[] = [
    ...internal.map((participant): ParticipantOutcome => ({
      participantIndex: participant.index,
      outcome: 'internal',
      trace: `internal (${participant.reason.replace('_', ' ')}) → not matched`,
    })),
    ...notMatchable.map((participant): ParticipantOutcome => ({
      participantIndex: participant.index,
      outcome: 'not_matchable',
      trace:
        participant.unreadablePhones.length > 0
          ? 'no e-mail, and no phone number that could be read safely → not matched'
          : 'no e-mail or phone → not matched',
    })),
  ];
  const done = () => ({ outcomes: outcomes.sort((a, b) => a.participantIndex - b.participantIndex), participants });
  if (external.length === 0) return done();
  // An admin's choices are read before anything is written: a wrong person id stops the whole run.
  const assigned = new Map<number, PersonToWrite>();
  for (const participant of external) {
    const assignment = assignments?.get(participant.index);
    if (assignment === undefined) continue;
    const person = crm.readPerson === undefined ? undefined : await crm.readPerson(assignment.personId);
    if (person === undefined) throw new PersonNotFoundError(assignment.personId, crm.names.crm);
    assigned.set(participant.index, {
      participantIndex: participant.index,
      personId: person.personId,
      companyId: person.companyId,
      matchedBy: 'assigned',
      trace: `assigned by ${assignment.by} at ${assignment.at} → person ${String(person.personId)}${
        person.companyId === undefined ? '' : ` (company ${String(person.companyId)})`
      }`,
    });
  }
  const toSearch = external.filter((participant) => !assigned.has(participant.index));

  const presenterEmail = summary.presenter?.email;
  // The presenter and the participants looked up at the same time: reads only, neither needs the other (so one
  // request more than CRM_REQUESTS_PER_MEETING may be open for a moment).
  const [presenterId, candidates] = await Promise.all([
    presenterEmail === undefined ? undefined : crm.findPresenter(presenterEmail),
    toSearch.length === 0 ? [] : searchCandidates(crm.candidates, toSearch),
  ]);

  // Decide every participant in turn (creating contacts one after another: two participants of one new company
  // must not both create it); one note per person.
  const writes: PersonToWrite[] = [];
  const companyWrites: CompanyToWrite[] = [];
  const sameAs: Array<{ outcome: ParticipantOutcome; first: PersonToWrite }> = [];
  let created = false;
  for (const participant of external) {
    const position = toSearch.indexOf(participant);
    // A contact created for an earlier participant may be this one's too (the same e-mail twice): searched before
    // that creation, their own lookup would miss it, so it is made again.
    const search = crm.candidates;
    const found = created && search.per === 'participant' ? await search.find(participant) : candidates[position];
    const resolved =
      assigned.get(participant.index) ??
      (await resolvePerson(
        participant,
        decideMatch(participant, found ?? { persons: [] }, {
          defaultRegion: policy.defaultRegion,
          internalDomains: policy.internalDomains,
        }),
        crm,
        policy,
      ));
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
  // One note per company alone, however many participants point at it; its deal is looked up with the persons'.
  const companyTargets = companyGroups.map((group): CompanyNote => ({
    companyId: (group[0] as CompanyToWrite).companyOnly,
    group,
  }));

  const deals =
    policy.linkDeal === true
      ? await linkDeals<PersonToWrite | CompanyNote>([...writes, ...companyTargets], crm)
      : new Map<PersonToWrite | CompanyNote, DealLink>();
  const dealTrace = (write: PersonToWrite | CompanyNote) => {
    const link = deals.get(write);
    return link === undefined ? '' : ` → ${link.trace}`;
  };

  if (policy.dryRun === true) {
    for (const company of companyTargets) {
      for (const write of company.group) {
        outcomes.push({
          participantIndex: write.participantIndex,
          outcome: 'would_write',
          matchedBy: write.matchedBy,
          companyId: write.companyOnly,
          trace: `${write.trace}${dealTrace(company)} → a company ${crm.names.note} would be written (dry run: nothing written)`,
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
        trace: `${write.trace}${dealTrace(write)} → ${crm.names.note} would be written (dry run: nothing written)`,
      });
    }
    return done();
  }

  const withDeal = (target: NoteTarget, write: PersonToWrite | CompanyNote): NoteTarget => {
    const dealId = deals.get(write)?.dealId;
    return dealId === undefined ? target : { ...target, dealId };
  };
  const targets: NoteTarget[] = [
    ...writes.map((write) => withDeal({ personId: write.personId, companyId: write.companyId }, write)),
    ...companyTargets.map((company) => withDeal({ companyId: company.companyId }, company)),
  ];
  const written = targets.length === 0 ? [] : await crm.writeNotes(targets, presenterId);
  companyTargets.forEach((company, index) => {
    const result = written[writes.length + index];
    if (!result) return;
    const { group } = company;
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
            ? `${write.trace}${dealTrace(company)} → company ${crm.names.note} ${String(result.noteId)} ${result.action === 'created' ? 'written' : 'updated'}`
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
      trace: `${write.trace}${dealTrace(write)} → ${crm.names.note} ${String(result.noteId)} ${result.action}`,
    });
  });
  for (const { outcome, first } of sameAs) outcome.noteId = noteIds.get(first);
  return done();
}

interface DealLink {
  dealId?: CrmId | undefined;
  /** `deal 9 linked (the company's only open deal)`, `company 17 has 2 open deals → not linked`. */
  trace: string;
}

/**
 * Each note's deal: its company's open deals, asked once for all the meeting's companies; linked only when there is
 * exactly one (never one of several: the note would sit on a deal it may not be about). A note without a company
 * gets no deal and no trace.
 */
async function linkDeals<T extends { companyId?: CrmId | undefined }>(
  writes: readonly T[],
  crm: MeetingCrm,
): Promise<Map<T, DealLink>> {
  const links = new Map<T, DealLink>();
  const companyIds = [...new Set(writes.flatMap((write) => (write.companyId === undefined ? [] : [write.companyId])))];
  if (companyIds.length === 0 || crm.findOpenDeals === undefined) return links;
  const open = await crm.findOpenDeals(companyIds);
  const deal = crm.names.deal ?? 'deal';
  for (const write of writes) {
    if (write.companyId === undefined) continue;
    const company = `company ${String(write.companyId)}`;
    const dealIds = open.get(write.companyId) ?? [];
    const [only] = dealIds;
    if (dealIds.length === 1 && only !== undefined) {
      links.set(write, { dealId: only, trace: `${deal} ${String(only)} linked (${company}'s only open ${deal})` });
    } else if (dealIds.length === 0) {
      links.set(write, { trace: `${company} has no open ${deal} → not linked` });
    } else {
      links.set(write, { trace: `${company} has ${dealIds.length} open ${deal}s → not linked` });
    }
  }
  return links;
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
