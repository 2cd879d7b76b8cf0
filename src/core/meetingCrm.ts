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

/**
 * Who gets one of the meeting's notes: a person (linked to their company too, when they have one), or a company
 * alone — a company note, when no person was certain but the company was (deliverMeeting's company notes).
 */
export type NoteTarget =
  { personId: CrmId; companyId?: CrmId | undefined } | { personId?: undefined; companyId: CrmId };

/**
 * The port through which `deliverMeeting` reaches one CRM: it finds, creates and writes; which participants are
 * matched, to whom, and what the trace says is decided in `deliverMeeting`, once for both CRMs.
 */
export interface MeetingCrm {
  /** The trace's words for the CRM and its note record: `Lime` and `note`, `SuperOffice` and `appointment`. */
  names: { crm: string; note: string };
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
   * Writes our note on each target, exactly once per (conversation, person) and per (conversation, company) for a
   * company alone: the note an earlier attempt wrote is found and updated. Answers in the targets' order.
   */
  writeNotes(
    targets: readonly NoteTarget[],
    presenterId: CrmId | undefined,
  ): Promise<Array<{ noteId: CrmId; action: 'created' | 'updated' }>>;
}
