import type { IncomingHttpHeaders } from 'node:http';
import type { CrmId, MeetingSummary, NoteLanguage, ParticipantOutcome, PersonAssignment } from '../core';
import type { ContactIndexChange, ContactIndexEntry } from './contactIndexRecords';

export type { ContactIndexChange, ContactIndexEntry } from './contactIndexRecords';

/**
 * The port through which the receiver delivers a meeting to a CRM. The receiver sees only this: which CRM, its
 * REST details and its data model stay inside the adapter (lime-addon).
 */
export interface CrmConnector {
  /** Checks reachability, credentials, permissions and the data model, with messages an admin can act on. */
  testConnection(signal?: AbortSignal): Promise<ConnectionCheck>;
  /**
   * Writes the meeting into the CRM: one note per matched external person, exactly once per (conversation,
   * person) however often it is called. Throws `CrmError` when the CRM fails; calling again is always safe.
   */
  deliver(summary: MeetingSummary, options: DeliverOptions): Promise<DeliveryReport>;
  /**
   * One person by id, with their company (an admin's assignment is checked with it before anything is written);
   * undefined when the CRM has no such person (a wrong id, or deleted). Optional: a CRM without it cannot take
   * assignments.
   */
  readPerson?(
    personId: CrmId,
    signal?: AbortSignal,
  ): Promise<{ personId: CrmId; companyId?: CrmId | undefined } | undefined>;
  /**
   * One cheap request that shows whether the CRM answers at all (after an outage): resolves on any answer that is
   * not a failure of the CRM itself, throws the `CrmError` otherwise. Counts as a 'probe' against the budget.
   */
  probe?(signal?: AbortSignal): Promise<void>;
  /**
   * Every person in the CRM, page by page, normalized for the local contact index (optional: a CRM without it is
   * matched live only).
   */
  exportContacts?(options: {
    defaultRegion: string;
    signal?: AbortSignal | undefined;
  }): AsyncIterable<ContactIndexEntry[]>;
  /**
   * The persons changed since `since` (the CRM's own change time), for an incremental pass between full syncs.
   * Throws a `bad_request` CrmError when the CRM cannot filter on its change time.
   */
  exportContactsChangedSince?(
    since: string,
    options: { defaultRegion: string; signal?: AbortSignal | undefined },
  ): AsyncIterable<ContactIndexEntry[]>;
  /**
   * Makes sure the CRM notifies `targetUrl` of every person and company change (Lime: a webhook subscription),
   * signed with `secret`: finds our subscription by its target and updates it, or creates it. `unavailable` when
   * the CRM cannot (no webhooks there, or the API user may not subscribe); throws a CrmError when it failed.
   */
  subscribeToContactChanges?(request: {
    targetUrl: string;
    secret: string;
    signal?: AbortSignal | undefined;
  }): Promise<ContactChangeSubscription>;
  /** Checks a change notification's signature on the exact bytes received, in constant time. */
  verifyContactNotification?(rawBody: Buffer, headers: IncomingHttpHeaders, secret: string): NotificationSignature;
  /**
   * What a verified change notification means for the contact index, read back from the CRM where the
   * notification alone does not say (so it does not matter in which order notifications arrive).
   */
  readContactNotification?(
    notification: unknown,
    options: { defaultRegion: string; signal?: AbortSignal | undefined },
  ): Promise<ContactNotification>;
}

/** The outcome of subscribing to the CRM's change notifications. */
export type ContactChangeSubscription =
  | { kind: 'subscribed'; id: string; events: string[] }
  /** The CRM cannot notify us; `reason` says why, for the admin overview. */
  | { kind: 'unavailable'; reason: string };

export type NotificationSignature = 'ok' | 'missing_signature' | 'bad_signature';

/** What one change notification means. */
export type ContactNotification =
  | { kind: 'change'; event: string; change: ContactIndexChange }
  /** Nothing the index holds (another limetype, a field matching does not use). */
  | { kind: 'ignored'; event: string; reason: string }
  /** Not a notification the CRM sends (a body of another shape). */
  | { kind: 'invalid'; message: string };

export interface DeliverOptions {
  /** The customer's own e-mail domains: participants there are colleagues, never matched as customers. */
  internalDomains: readonly string[];
  /** Region for phone numbers written without a country code (`SE`). */
  defaultRegion: string;
  /** IANA zone for dates in the note. */
  timeZone: string;
  /** The seed's "Create contact in CRM" switch: create company and person when no person matches. */
  createMissingContacts: boolean;
  /** The note's date: when it is written (the seed's "current timestamp") or when the meeting started. */
  noteDate: 'now' | 'meeting_start';
  /**
   * The language of the note's labels, dates and times (`NOTE_LANGUAGE`, core/noteLabels.ts); default English. The
   * title line and the reference line are the same in every language.
   */
  noteLanguage?: NoteLanguage | undefined;
  /**
   * The admin pages' Dry run: match as usual (lookups only) but write nothing — no contact created, no note
   * written. Matched persons get `would_write`, and the report carries the note in `preview`.
   */
  dryRun?: boolean | undefined;
  /**
   * Notes this conversation already has in the CRM, as recorded by earlier deliveries (person → note). A known note
   * is updated directly, without searching for it.
   */
  knownNotes?: ReadonlyArray<{ personId: CrmId; noteId: CrmId }> | undefined;
  /**
   * True when `knownNotes` holds every note an earlier attempt may have written (there was none, or the last one
   * completed and was recorded): the search for our own notes is skipped. Otherwise (a crash, a failure half-way)
   * the connector searches, so a note written but never recorded is found and not written twice.
   */
  knownNotesComplete?: boolean | undefined;
  /**
   * Company notes this conversation already has in the CRM, as recorded by earlier deliveries (company → note): a
   * note on a company alone (outcome `company_note`), updated directly like `knownNotes`.
   */
  knownCompanyNotes?: ReadonlyArray<{ companyId: CrmId; noteId: CrmId }> | undefined;
  /**
   * Company notes (COMPANY_NOTES, the connection page's "Company notes"): when no person is certain but the company
   * is, one note on the company alone (core's MeetingPolicy.companyNotes). Default off here; the receiver's setting
   * defaults to on.
   */
  companyNotes?: boolean | undefined;
  /**
   * The local contact index as a candidate source, when one is synced: the entries holding any of the meeting's
   * normalized e-mails or E.164 numbers. When given, the connector decides on them (finding numbers stored in any
   * format) and confirms the chosen persons live before writing; when the CRM disagrees (a stale index) it matches
   * live instead.
   */
  findIndexedCandidates?:
    | ((keys: { emails: readonly string[]; phones: readonly string[] }) => Promise<readonly ContactIndexEntry[]>)
    | undefined;
  /**
   * `LINK_DEAL`: link each note to its company's only open deal (Lime) or sale (SuperOffice); none or several link
   * none, and the trace says which. One lookup per meeting. Default false: no deal is looked up. The connector must
   * have been built with its own `linkDeal` too (its data model is checked for the deal relation at start).
   */
  linkDeal?: boolean | undefined;
  /**
   * Re-matching and an admin's resolution (issue 19): only these participants (payload indexes) are matched and
   * written; the report has outcomes for them only, and the receiver merges those into the stored ones.
   */
  onlyParticipants?: ReadonlySet<number> | undefined;
  /** An admin's choice per participant index: that participant IS that person (see core `MeetingPolicy`). */
  assignments?: ReadonlyMap<number, PersonAssignment> | undefined;
  signal?: AbortSignal | undefined;
}

/** What happened to one participant: decided in core (`deliverMeeting`), stored by the receiver. */
export type { ParticipantOutcome, ParticipantOutcomeKind } from '../core';

export interface DeliveryReport {
  outcomes: ParticipantOutcome[];
  /** CRM API calls this delivery cost. */
  apiCalls: number;
  /** Dry run only: the note as it would be written (the same text for every person who gets it). */
  preview?: { title: string; text: string } | undefined;
}

export interface ConnectionCheckStep {
  /** `reach`, `authenticate`, `permissions`, `schema`. */
  step: 'reach' | 'authenticate' | 'permissions' | 'schema';
  ok: boolean;
  /** What was found; for a failure, what to do about it. */
  message: string;
}

export interface ConnectionCheck {
  ok: boolean;
  /** The first failure's code, when not ok. */
  code?: string | undefined;
  steps: ConnectionCheckStep[];
  /** The note types the CRM offers (Lime: the active options of history.type), for the admin's choice. */
  noteTypes?: Array<{ key: string; text: string }> | undefined;
  /** The longest note the CRM keeps. */
  noteMaxLength?: number | undefined;
}
