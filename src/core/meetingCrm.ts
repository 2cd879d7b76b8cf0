import type { ClassifiedParticipant } from './classifyParticipants';
import type { CrmId, MatchCandidates, PersonCandidate } from './decideMatch';

/**
 * How a CRM is searched for candidates. Lime is asked once for the whole meeting (one Query API call, or the
 * receiver's contact index), before any contact is created. SuperOffice's archive is searched one participant at a
 * time, in turn, so a participant's search also sees a person created for a participant before it.
 */
export type CandidateSearch =
  | {
      per: 'meeting';
      /** The meeting's persons; as MatchCandidates when it also says which e-mail domains were searched in full. */
      find(participants: readonly ClassifiedParticipant[]): Promise<readonly PersonCandidate[] | MatchCandidates>;
    }
  | { per: 'participant'; find(participant: ClassifiedParticipant): Promise<MatchCandidates> };

/** A contact created for a participant nobody matched. */
export interface CreatedContact {
  personId: CrmId;
  companyId?: CrmId | undefined;
  companyCreated: boolean;
  /** How the company was resolved, for the matching trace (`company name → 0 hits → company 12 created`). */
  trace: string;
}

/** A person who gets one of the meeting's notes, linked to their company too when they have one. */
export interface PersonTarget {
  personId: CrmId;
  companyId?: CrmId | undefined;
  /** The company's only open deal (Lime) or sale (SuperOffice), when linking to it is on and there is exactly one. */
  dealId?: CrmId | undefined;
}

/**
 * Who gets one of the meeting's notes: a person (linked to their company too, when they have one), or a company
 * alone — a company note, when no person was certain but the company was (deliverMeeting's company notes). Either
 * may be linked to the company's only open deal.
 */
export type NoteTarget = PersonTarget | { personId?: undefined; companyId: CrmId; dealId?: CrmId | undefined };

/**
 * The port through which `deliverMeeting` reaches one CRM: it finds, creates and writes; which participants are
 * matched, to whom, and what the trace says is decided in `deliverMeeting`, once for both CRMs.
 */
export interface MeetingCrm {
  /**
   * The trace's words for the CRM, its note record and its deal: `Lime`, `note`, `deal`; `SuperOffice`,
   * `appointment`, `sale` (`deal` when not given).
   */
  names: { crm: string; note: string; deal?: string | undefined };
  /** The CRM user who presented (Lime's coworker, SuperOffice's associate); asked once, when a customer is there. */
  findPresenter(email: string): Promise<CrmId | undefined>;
  candidates: CandidateSearch;
  /**
   * The seed's "Create contact in CRM": the company by its name (found, else created), then the person. With
   * `companyId` (the company the participant's e-mail domain belongs to), the person is created at that company and
   * no company is looked up or created.
   */
  createContact(participant: ClassifiedParticipant, companyId?: CrmId): Promise<CreatedContact>;
  /**
   * The open deals (Lime) or sales (SuperOffice) of each company, for linking the note to a company's only one: one
   * lookup for the whole meeting, asked only when the policy links deals. A company with none may be left out of
   * the answer. Optional: a CRM without deals never links one.
   */
  findOpenDeals?(companyIds: readonly CrmId[]): Promise<ReadonlyMap<CrmId, readonly CrmId[]>>;
  /**
   * One person by id, with their company, for an admin's assignment; undefined when the CRM has no such person
   * (deleted, or a wrong id). Optional: without it, assignments are refused as not found.
   */
  readPerson?(personId: CrmId): Promise<PersonTarget | undefined>;
  /**
   * Writes our note on each target, exactly once per (conversation, person) and per (conversation, company) for a
   * company alone: the note an earlier attempt wrote is found and updated. Answers in the targets' order.
   */
  writeNotes(
    targets: readonly NoteTarget[],
    presenterId: CrmId | undefined,
  ): Promise<Array<{ noteId: CrmId; action: 'created' | 'updated' }>>;
}
