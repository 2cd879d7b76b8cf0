import {
  assertNever,
  classifyParticipants,
  decideMatch,
  renderNote,
  type ClassifiedParticipant,
  type MeetingSummary,
  type PersonCandidate,
} from '../core';
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
  ParticipantOutcome,
} from '../crm/crmConnector';
import { CrmError } from '../crm/crmError';
import { createContact } from './createContact';
import { discoverSchema, type LimeSchema } from './discoverSchema';
import { confirmedIndexCandidates, exportLimeContacts } from './contactIndex';
import { findMeetingCandidates } from './findMeetingCandidates';
import { findCoworker } from './findCoworker';
import { resolveFieldMap, type LimeConnectorOptions, type LimeFieldMap } from './limeConfig';
import { LimeHttp } from './limeHttp';
import { testLimeConnection } from './testLimeConnection';
import { findOwnNotes, writeHistoryNote } from './ownHistoryNotes';
import { subscribeToLimeChanges } from './limeSubscriptions';
import { readLimeNotification } from './readLimeNotification';
import { verifyLimeSignature } from './verifyLimeSignature';

export const DEFAULT_HISTORY_TYPE = 'comment';
/** Notes written at once for one meeting: a few, so a big meeting is quick without flooding Lime. */
const WRITE_CONCURRENCY = 4;
/** How long a presenter's coworker id is reused. */
const COWORKER_CACHE_MS = 5 * 60 * 1000;

interface PersonToWrite {
  participantIndex: number;
  personId: number;
  companyId: number | undefined;
  matchedBy: ParticipantOutcome['matchedBy'];
  created: ParticipantOutcome['created'];
  trace: string;
  noteId?: number;
}

/**
 * Lime CRM behind the `CrmConnector` port: matches each external participant against Lime and writes one
 * History note per matched person, linked to person, company and (when the presenter is a coworker) coworker.
 */
export class LimeConnector implements CrmConnector {
  readonly http: LimeHttp;
  readonly fields: LimeFieldMap;
  readonly historyType: string;
  private schema: LimeSchema | undefined;
  private readonly coworkers = new Map<string, { id: number | undefined; until: number }>();

  constructor(options: LimeConnectorOptions) {
    this.http = new LimeHttp(options);
    this.fields = resolveFieldMap(options.fields);
    this.historyType = options.historyType ?? DEFAULT_HISTORY_TYPE;
  }

  async testConnection(signal?: AbortSignal): Promise<ConnectionCheck> {
    const { check, schema } = await testLimeConnection(this.http, this.fields, this.historyType, signal);
    if (schema) this.schema = schema;
    return check;
  }

  async deliver(summary: MeetingSummary, options: DeliverOptions): Promise<DeliveryReport> {
    const callsBefore = this.http.callCount;
    const { signal } = options;
    const schema = await this.currentSchema(signal);
    const classified = classifyParticipants(summary, {
      internalDomains: options.internalDomains,
      defaultRegion: options.defaultRegion,
    });
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
    const note = renderNote(summary, { timeZone: options.timeZone, maxLength: schema.noteMaxLength });
    const preview = options.dryRun === true ? { preview: { title: note.title, text: note.text } } : {};
    if (classified.external.length === 0) {
      return { outcomes: sortByIndex(outcomes), apiCalls: this.http.callCount - callsBefore, ...preview };
    }

    const coworkerId = await this.coworkerFor(summary.presenter?.email, schema, signal);
    const date = options.noteDate === 'meeting_start' ? summary.startsAt : new Date().toISOString();
    const candidates =
      options.indexedCandidates === undefined
        ? await findMeetingCandidates(this.http, this.fields, schema, classified.external, signal)
        : await confirmedIndexCandidates(
            this.http,
            this.fields,
            schema,
            classified.external,
            options.indexedCandidates,
            options.defaultRegion,
            signal,
          );

    // Decide every participant locally from the one candidate list; one note per person.
    const writes: PersonToWrite[] = [];
    const sameAs: Array<{ outcome: ParticipantOutcome; first: PersonToWrite }> = [];
    for (const participant of classified.external) {
      const resolved = await this.resolvePerson(participant, candidates, schema, options);
      if (resolved.kind === 'outcome') {
        outcomes.push(resolved.outcome);
        continue;
      }
      const first = writes.find((write) => write.personId === resolved.personId);
      if (first) {
        const outcome: ParticipantOutcome = {
          participantIndex: participant.index,
          outcome: 'same_person',
          matchedBy: resolved.matchedBy,
          personId: resolved.personId,
          companyId: resolved.companyId,
          trace: `${resolved.trace} → same person as participant ${first.participantIndex + 1}: one note`,
        };
        sameAs.push({ outcome, first });
        outcomes.push(outcome);
        continue;
      }
      const { personId, companyId, matchedBy, created, trace } = resolved;
      writes.push({ participantIndex: participant.index, personId, companyId, matchedBy, created, trace });
    }

    if (options.dryRun === true) {
      for (const write of writes) {
        outcomes.push({
          participantIndex: write.participantIndex,
          outcome: 'would_write',
          matchedBy: write.matchedBy,
          personId: write.personId,
          companyId: write.companyId,
          trace: `${write.trace} → note would be written (dry run: nothing written)`,
        });
      }
      return { outcomes: sortByIndex(outcomes), apiCalls: this.http.callCount - callsBefore, ...preview };
    }

    const existing = new Map<number, number>();
    for (const known of options.knownNotes ?? []) existing.set(Number(known.personId), Number(known.noteId));
    if (writes.length > 0 && options.knownNotesComplete !== true) {
      for (const [personId, noteId] of await findOwnNotes(this.http, this.fields, summary.conversationId, signal)) {
        existing.set(personId, noteId);
      }
    }
    const written = await this.explainingRefusedWrites(signal, () =>
      mapWithConcurrency(writes, WRITE_CONCURRENCY, (write) =>
        writeHistoryNote(
          this.http,
          this.fields,
          {
            personId: write.personId,
            companyId: write.companyId,
            coworkerId,
            text: note.text,
            type: this.historyType,
            date,
            updateDate: options.noteDate === 'meeting_start',
          },
          existing.get(write.personId),
          signal,
        ),
      ),
    );
    writes.forEach((write, index) => {
      const result = written[index];
      if (!result) return;
      write.noteId = result.noteId;
      outcomes.push({
        participantIndex: write.participantIndex,
        outcome: result.action === 'created' ? 'written' : 'updated',
        matchedBy: write.matchedBy,
        created: write.created,
        personId: write.personId,
        companyId: write.companyId,
        noteId: result.noteId,
        trace: `${write.trace} → note ${result.noteId} ${result.action}`,
      });
    });
    for (const { outcome, first } of sameAs) outcome.noteId = first.noteId;
    return { outcomes: sortByIndex(outcomes), apiCalls: this.http.callCount - callsBefore, ...preview };
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
  private async coworkerFor(email: string | undefined, schema: LimeSchema, signal?: AbortSignal) {
    if (email === undefined) return undefined;
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
    yield* exportLimeContacts(this.http, this.fields, schema, options.defaultRegion, options.signal);
  }

  /** The Lime persons changed since `since` (Lime's own `_timestamp`), for an incremental pass of the index. */
  async *exportContactsChangedSince(
    since: string,
    options: { defaultRegion: string; signal?: AbortSignal | undefined },
  ): AsyncIterable<ContactIndexEntry[]> {
    const schema = await this.currentSchema(options.signal);
    yield* exportLimeContacts(this.http, this.fields, schema, options.defaultRegion, options.signal, since);
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
    return readLimeNotification(this.http, this.fields, schema, notification, options);
  }

  /** Forgets the discovered data model, so the next delivery reads it again (after an admin changed Lime). */
  forgetSchema(): void {
    this.schema = undefined;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async currentSchema(signal?: AbortSignal): Promise<LimeSchema> {
    this.schema ??= await discoverSchema(this.http, this.fields, this.historyType, signal);
    const [problem] = this.schema.problems;
    if (problem) {
      const schemaProblem = this.schema;
      this.schema = undefined; // read again next time: the admin may fix Lime before the retry
      throw new CrmError('schema_mismatch', `Lime's data model does not fit the configuration: ${problem.message}`, {
        detail: schemaProblem.problems.map((each) => each.message).join(' '),
      });
    }
    return this.schema;
  }

  private async resolvePerson(
    participant: ClassifiedParticipant,
    candidates: readonly PersonCandidate[],
    schema: LimeSchema,
    options: DeliverOptions,
  ): Promise<
    | { kind: 'outcome'; outcome: ParticipantOutcome }
    | {
        kind: 'person';
        personId: number;
        companyId: number | undefined;
        matchedBy: ParticipantOutcome['matchedBy'];
        created: ParticipantOutcome['created'];
        trace: string;
      }
  > {
    const decision = decideMatch(participant, { persons: candidates }, { defaultRegion: options.defaultRegion });
    switch (decision.kind) {
      case 'matched':
        return {
          kind: 'person',
          personId: Number(decision.personId),
          companyId: decision.companyId === undefined ? undefined : Number(decision.companyId),
          matchedBy: decision.by,
          created: undefined,
          trace: decision.trace,
        };
      case 'ambiguous':
        return {
          kind: 'outcome',
          outcome: {
            participantIndex: participant.index,
            outcome: 'ambiguous',
            matchedBy: decision.by,
            companyId: decision.companyId,
            trace: `${decision.trace} → nothing written; ${
              decision.reason === 'company_main_number'
                ? 'a switchboard number names a company, not a person'
                : 'check for duplicate persons in Lime'
            }`,
          },
        };
      case 'none': {
        if (!options.createMissingContacts) {
          return {
            kind: 'outcome',
            outcome: {
              participantIndex: participant.index,
              outcome: 'no_match',
              trace: `${decision.trace} → no match; creating contacts is off`,
            },
          };
        }
        // Dry run: creating looks up the company and writes in one go, so the company lookup is skipped too.
        if (options.dryRun === true) {
          const company = participant.company !== undefined && participant.company.trim() !== '';
          return {
            kind: 'outcome',
            outcome: {
              participantIndex: participant.index,
              outcome: 'would_write',
              matchedBy: 'created',
              wouldCreate: { company, person: true },
              trace: `${decision.trace} → no match; a person would be created${
                company ? ' (and the company, unless Lime has one by that name)' : ''
              } and get the note (dry run: nothing written)`,
            },
          };
        }
        const contact = await createContact(this.http, this.fields, schema, participant, options.signal);
        return {
          kind: 'person',
          personId: contact.personId,
          companyId: contact.companyId,
          matchedBy: 'created',
          created: { company: contact.companyCreated, person: true },
          trace: `${decision.trace} → ${contact.trace} → person ${contact.personId} created`,
        };
      }
      default:
        return assertNever(decision);
    }
  }
}

function sortByIndex(outcomes: ParticipantOutcome[]): ParticipantOutcome[] {
  return [...outcomes].sort((a, b) => a.participantIndex - b.participantIndex);
}

/** `work` over `items`, at most `limit` at a time, results in the items' order; the first failure rejects. */
async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(runners);
  return results;
}
