import {
  deliverMeeting,
  pickHistoryType,
  numbersToLookUp,
  renderNote,
  type HistoryTypeMap,
  type ClassifiedParticipant,
  type CrmId,
  type MeetingSummary,
  type MatchCandidates,
  type NoteTarget,
  type PersonTarget,
} from '../core';
import { getMaxListeners, setMaxListeners } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type {
  ConnectionCheck,
  ContactChangeSubscription,
  ContactIndexEntry,
  ContactNotification,
  CrmConnector,
  DeliverOptions,
  DeliveryReport,
  NotificationSignature,
} from '../crm/crmConnector';
import { CrmError } from '../crm/crmError';
import { createContact } from './createContact';
import { discoverSchema, type LimeSchema, type SchemaChecks } from './discoverSchema';
import { findOpenDeals } from './findOpenDeals';
import { confirmedIndexCandidates, exportLimeContacts } from './contactIndex';
import { findDomainPersons } from './findDomainPersons';
import { findSwitchboardCompanies } from './findSwitchboardCompanies';
import { findMeetingCandidates } from './findMeetingCandidates';
import { findCoworker } from './findCoworker';
import { resolveFieldMap, type LimeConnectorOptions, type LimeFieldMap } from './limeConfig';
import { LimeHttp } from './limeHttp';
import { testLimeConnection } from './testLimeConnection';
import { findOwnNotes, writeHistoryNote, type OwnNotes } from './ownHistoryNotes';
import { learnPageSize } from './queryPages';
import { subscribeToLimeChanges } from './limeSubscriptions';
import { readLimeNotification } from './readLimeNotification';
import { readLimePerson } from './readLimePerson';
import { verifyLimeSignature } from './verifyLimeSignature';

/** How long a presenter's coworker id is reused. */
const COWORKER_CACHE_MS = 5 * 60 * 1000;

/**
 * Lime CRM behind the `CrmConnector` port: matches each external participant against Lime and writes one
 * History note per matched person, linked to person, company and (when the presenter is a coworker) coworker.
 */
export class LimeConnector implements CrmConnector {
  readonly http: LimeHttp;
  /** The same Lime, spending the budget as probes. */
  private readonly probeHttp: LimeHttp;
  readonly fields: LimeFieldMap;
  readonly historyType: string;
  /** HISTORY_TYPE_MAP and LINK_DEAL, as the data model is checked for them. */
  private readonly checks: SchemaChecks;
  private readonly historyTypeMap: HistoryTypeMap;
  private schema: LimeSchema | undefined;
  private readonly coworkers = new Map<string, { id: number | undefined; until: number }>();
  private pagingLearned: Promise<void> | undefined;

  constructor(options: LimeConnectorOptions) {
    this.http = new LimeHttp(options);
    this.probeHttp = this.http.forPurpose('probe');
    this.fields = resolveFieldMap(options.fields);
    this.historyType = options.historyType;
    this.historyTypeMap = options.historyTypeMap ?? [];
    this.checks = { historyTypeMap: this.historyTypeMap, linkDeal: options.linkDeal === true };
  }

  async testConnection(signal?: AbortSignal): Promise<ConnectionCheck> {
    const { check, schema } = await testLimeConnection(this.http, this.fields, this.historyType, signal, this.checks);
    if (schema) this.schema = schema;
    // A failure here resurfaces at the first delivery, which learns it again; the check has said what it can.
    if (check.ok) await this.learnPaging().catch(() => undefined);
    return check;
  }

  /** `GET limetype/<history>/`: small, read by every delivery anyway, and needs the key to be valid. */
  async probe(signal?: AbortSignal): Promise<void> {
    await this.probeHttp.send('GET', `limetype/${encodeURIComponent(this.fields.history.limetype)}/`, { signal });
  }

  async deliver(summary: MeetingSummary, options: DeliverOptions): Promise<DeliveryReport> {
    const callsBefore = this.http.callCount;
    const { signal } = options;
    // Every request of the meeting's round trips listens on this signal at once (a note per participant, the query
    // parts): more than Node's default of 10 is expected here, not a leak.
    if (signal !== undefined) {
      const atOnce = summary.participants.length + 20;
      if (getMaxListeners(signal) < atOnce) setMaxListeners(atOnce, signal);
    }
    const schema = await this.currentSchema(signal);
    const linkDeal = options.linkDeal === true;
    const { deal } = schema;
    if (linkDeal && deal === undefined) {
      // Only when the connector was built without LINK_DEAL (its start and Test connection check the relation).
      throw new CrmError(
        'schema_mismatch',
        `Linking notes to deals is on, but Lime's data model was not checked for ${this.fields.history.limetype}.${this.fields.history.deal}: restart the receiver with LINK_DEAL set, or turn linking off`,
      );
    }
    const note = renderNote(summary, {
      timeZone: options.timeZone,
      maxLength: schema.noteMaxLength,
      language: options.noteLanguage,
    });
    // Our notes already in Lime, searched in the candidates' round trip (not a third one) unless the receiver's
    // record of them is complete; a dry run writes nothing and needs none.
    let ownNotes: Promise<OwnNotes> | undefined;
    const searchOwnNotes = options.knownNotesComplete !== true && options.dryRun !== true;
    const { outcomes } = await deliverMeeting(
      summary,
      {
        names: { crm: 'Lime', note: 'note', deal: 'deal' },
        findPresenter: (email) => this.coworkerFor(email, schema, signal),
        candidates: {
          per: 'meeting',
          find: async (participants) => {
            ownNotes = searchOwnNotes
              ? findOwnNotes(this.http, this.fields, summary.conversationId, signal)
              : undefined;
            const [candidates] = await Promise.all([this.findCandidates(participants, schema, options), ownNotes]);
            return candidates;
          },
        },
        createContact: (participant, companyId) =>
          createContact(
            this.http,
            this.fields,
            schema,
            participant,
            signal,
            companyId === undefined ? undefined : Number(companyId),
          ),
        ...(linkDeal && deal !== undefined
          ? { findOpenDeals: (companyIds) => findOpenDeals(this.http, this.fields, deal, companyIds, signal) }
          : {}),
        readPerson: (personId) => this.readPerson(personId, signal),
        writeNotes: async (targets, coworkerId) =>
          this.writeNotes(summary, note.text, targets, coworkerId, options, await ownNotes),
      },
      options,
    );
    const preview = options.dryRun === true ? { preview: { title: note.title, text: note.text } } : {};
    return { outcomes, apiCalls: this.http.callCount - callsBefore, ...preview };
  }

  /** One person by id with their company (an admin's assignment); undefined when Lime has none (or inactive). */
  async readPerson(personId: CrmId, signal?: AbortSignal): Promise<PersonTarget | undefined> {
    return readLimePerson(this.http, this.fields, Number(personId), signal);
  }

  /**
   * The meeting's candidates: from the receiver's contact index (confirmed live) when it has one, else live; with
   * company notes on, then the persons at the e-mail domains nobody's e-mail matched (live, findDomainPersons.ts).
   */
  private async findCandidates(
    participants: readonly ClassifiedParticipant[],
    schema: LimeSchema,
    options: DeliverOptions,
  ): Promise<MatchCandidates> {
    const { findIndexedCandidates, signal } = options;
    const { http, fields } = this;
    let persons;
    if (findIndexedCandidates === undefined) {
      persons = await findMeetingCandidates(http, fields, schema, participants, signal);
    } else {
      const entries = await findIndexedCandidates({
        emails: participants.flatMap((participant) => participant.email ?? []),
        // With the forms a national-only foreign number is indexed under, so decideMatch sees all its holders.
        phones: participants.flatMap((participant) => numbersToLookUp(participant, options.defaultRegion)),
      });
      persons = await confirmedIndexCandidates(
        http,
        fields,
        schema,
        participants,
        entries,
        options.defaultRegion,
        signal,
      );
    }
    if (options.companyNotes !== true) return { persons };
    // What company notes need besides persons, in one more round trip: the persons at unknown e-mails' domains, and
    // the companies whose switchboard is a number nobody holds.
    const [byDomain, companies] = await Promise.all([
      findDomainPersons(http, fields, schema, participants, persons, options.internalDomains, signal),
      findSwitchboardCompanies(http, fields, participants, persons, options.defaultRegion, signal),
    ]);
    return { ...byDomain, companies };
  }

  /**
   * Our note on each person, all at once (one round trip: the request budget, not a fixed cap, bounds the rate). A
   * note the receiver recorded is updated directly; unless that record is complete, our notes for the conversation
   * (`found`, searched with the candidates) are updated too, so a note an interrupted attempt wrote is not written
   * twice.
   */
  private async writeNotes(
    summary: MeetingSummary,
    text: string,
    targets: readonly NoteTarget[],
    coworkerId: CrmId | undefined,
    options: DeliverOptions,
    found: OwnNotes | undefined,
  ) {
    const { signal } = options;
    const existing = new Map<number, number>();
    for (const known of options.knownNotes ?? []) existing.set(Number(known.personId), Number(known.noteId));
    for (const [personId, noteId] of found?.persons ?? []) existing.set(personId, noteId);
    // Company notes (no person) apart: a company's id may equal a person's.
    const existingOnCompany = new Map<number, number>();
    for (const known of options.knownCompanyNotes ?? []) {
      existingOnCompany.set(Number(known.companyId), Number(known.noteId));
    }
    for (const [companyId, noteId] of found?.companies ?? []) existingOnCompany.set(companyId, noteId);
    const date = options.noteDate === 'meeting_start' ? summary.startsAt : new Date().toISOString();
    const { type } = pickHistoryType(this.historyTypeMap, summary, this.historyType);
    return this.explainingRefusedWrites(signal, () =>
      Promise.all(
        targets.map((target) =>
          writeHistoryNote(
            this.http,
            this.fields,
            {
              personId: target.personId === undefined ? undefined : Number(target.personId),
              companyId: target.companyId === undefined ? undefined : Number(target.companyId),
              coworkerId: coworkerId === undefined ? undefined : Number(coworkerId),
              dealId: target.dealId === undefined ? undefined : Number(target.dealId),
              text,
              type,
              date,
              updateDate: options.noteDate === 'meeting_start',
            },
            target.personId === undefined
              ? existingOnCompany.get(Number(target.companyId))
              : existing.get(Number(target.personId)),
            signal,
          ),
        ),
      ),
    );
  }

  /**
   * Runs the note writes; when Lime refuses one as invalid (400), reads the data model again first: an admin may
   * have changed it since we read it (the history type retired, a field renamed), and then the admin needs to hear
   * that (`schema_mismatch`, naming what no longer fits) rather than a bare "invalid".
   */
  private async explainingRefusedWrites<T>(signal: AbortSignal | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof CrmError && error.code === 'bad_request')) throw error;
      this.schema = undefined;
      await this.currentSchema(signal); // throws schema_mismatch when the model no longer fits
      throw error;
    }
  }

  /** The presenter's coworker id, cached for a few minutes: one lookup per presenter, not per meeting. */
  private async coworkerFor(email: string, schema: LimeSchema, signal?: AbortSignal) {
    const cached = this.coworkers.get(email);
    if (cached && cached.until > Date.now()) return cached.id;
    const id = await findCoworker(this.http, this.fields, schema, email, signal);
    this.coworkers.set(email, { id, until: Date.now() + COWORKER_CACHE_MS });
    return id;
  }

  /** Every Lime person, page by page, for the receiver's contact index. */
  async *exportContacts(options: {
    defaultRegion: string;
    signal?: AbortSignal | undefined;
  }): AsyncIterable<ContactIndexEntry[]> {
    const schema = await this.currentSchema(options.signal);
    yield* exportLimeContacts(this.http.forPurpose('sync'), this.fields, schema, options.defaultRegion, options.signal);
  }

  /**
   * The Lime persons changed since `since` (Lime's own `_timestamp`), for an incremental pass of the index. A server
   * known to refuse `_timestamp` fails at once with `bad_request` (the receiver then keeps to full syncs).
   */
  async *exportContactsChangedSince(
    since: string,
    options: { defaultRegion: string; signal?: AbortSignal | undefined },
  ): AsyncIterable<ContactIndexEntry[]> {
    const schema = await this.currentSchema(options.signal);
    const sync = this.http.forPurpose('sync');
    yield* exportLimeContacts(sync, this.fields, schema, options.defaultRegion, options.signal, since);
  }

  /** Our webhook subscription to person and company changes (Lime's webhooks package), found or created. */
  subscribeToContactChanges(request: {
    targetUrl: string;
    secret: string;
    signal?: AbortSignal | undefined;
  }): Promise<ContactChangeSubscription> {
    return subscribeToLimeChanges(this.http, this.fields, request);
  }

  /** `X-Lime-Signature` over the exact bytes received. */
  verifyContactNotification(rawBody: Buffer, headers: IncomingHttpHeaders, secret: string): NotificationSignature {
    return verifyLimeSignature(rawBody, headers, secret);
  }

  /** A webhook delivery as contact index changes, the persons and companies read back from Lime. */
  async readContactNotification(
    notification: unknown,
    options: { defaultRegion: string; signal?: AbortSignal | undefined },
  ): Promise<ContactNotification> {
    const schema = await this.currentSchema(options.signal);
    return readLimeNotification(this.http.forPurpose('sync'), this.fields, schema, notification, options);
  }

  /** Forgets the discovered data model, so the next delivery reads it again (after an admin changed Lime). */
  forgetSchema(): void {
    this.schema = undefined;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /**
   * How long this server's pages can be, learned once per connection (before the first meeting needs it). Shared by
   * whoever asks meanwhile, so it takes no caller's signal (one caller giving up must not fail the others); the
   * request timeouts bound it.
   */
  private async learnPaging(): Promise<void> {
    this.pagingLearned ??= learnPageSize(this.http, this.fields.person.limetype).catch((error: unknown) => {
      this.pagingLearned = undefined;
      throw error;
    });
    await this.pagingLearned;
  }

  private async currentSchema(signal?: AbortSignal): Promise<LimeSchema> {
    // Learned beside the data model (no extra round trip), and again after a failure; its own failure is reported
    // only when the data model fits: a renamed person limetype must read as schema_mismatch, not as a refused query.
    const learning = this.learnPaging().then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    this.schema ??= await discoverSchema(this.http, this.fields, this.historyType, signal, this.checks);
    const paging = await learning;
    const [problem] = this.schema.problems;
    if (problem) {
      const schemaProblem = this.schema;
      this.schema = undefined; // read again next time: the admin may fix Lime before the retry
      throw new CrmError('schema_mismatch', `Lime's data model does not fit the configuration: ${problem.message}`, {
        detail: schemaProblem.problems.map((each) => each.message).join(' '),
      });
    }
    if (paging !== undefined) throw paging.error;
    return this.schema;
  }
}
