import {
  assertNever,
  classifyParticipants,
  decideMatch,
  renderNote,
  type ClassifiedParticipant,
  type MeetingSummary,
} from '../core';
import type {
  ConnectionCheck,
  CrmConnector,
  DeliverOptions,
  DeliveryReport,
  ParticipantOutcome,
} from '../receiver/crmConnector';
import { CrmError } from '../receiver/crmError';
import { createContact } from './createContact';
import { discoverSchema, type LimeSchema } from './discoverSchema';
import { findCandidates } from './findCandidates';
import { findCoworker } from './findCoworker';
import { resolveFieldMap, type LimeConnectorOptions, type LimeFieldMap } from './limeConfig';
import { LimeHttp } from './limeHttp';
import { testLimeConnection } from './testLimeConnection';
import { upsertHistoryNote } from './upsertHistoryNote';

export const DEFAULT_HISTORY_TYPE = 'comment';

/**
 * Lime CRM behind the `CrmConnector` port: matches each external participant against Lime and writes one
 * History note per matched person, linked to person, company and (when the presenter is a coworker) coworker.
 */
export class LimeConnector implements CrmConnector {
  readonly http: LimeHttp;
  readonly fields: LimeFieldMap;
  readonly historyType: string;
  private schema: LimeSchema | undefined;

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

    const presenterEmail = summary.presenter?.email;
    const coworkerId =
      presenterEmail === undefined
        ? undefined
        : await findCoworker(this.http, this.fields, schema, presenterEmail, signal);
    const date = options.noteDate === 'meeting_start' ? summary.startsAt : new Date().toISOString();
    const notesByPerson = new Map<number, ParticipantOutcome>();

    for (const participant of classified.external) {
      const resolved = await this.resolvePerson(participant, schema, options);
      if (resolved.kind === 'outcome') {
        outcomes.push(resolved.outcome);
        continue;
      }
      const { personId, companyId, matchedBy, created, trace } = resolved;
      const first = notesByPerson.get(personId);
      if (first) {
        outcomes.push({
          participantIndex: participant.index,
          outcome: 'same_person',
          matchedBy,
          personId,
          companyId,
          noteId: first.noteId,
          trace: `${trace} → same person as participant ${first.participantIndex + 1}: one note`,
        });
        continue;
      }
      if (options.dryRun === true) {
        const outcome: ParticipantOutcome = {
          participantIndex: participant.index,
          outcome: 'would_write',
          matchedBy,
          personId,
          companyId,
          trace: `${trace} → note would be written (dry run: nothing written)`,
        };
        notesByPerson.set(personId, outcome);
        outcomes.push(outcome);
        continue;
      }
      const written = await upsertHistoryNote(
        this.http,
        this.fields,
        {
          conversationId: summary.conversationId,
          personId,
          companyId,
          coworkerId,
          text: note.text,
          type: this.historyType,
          date,
          updateDate: options.noteDate === 'meeting_start',
        },
        signal,
      );
      const outcome: ParticipantOutcome = {
        participantIndex: participant.index,
        outcome: written.action === 'created' ? 'written' : 'updated',
        matchedBy,
        created,
        personId,
        companyId,
        noteId: written.noteId,
        trace: `${trace} → note ${written.noteId} ${written.action}`,
      };
      notesByPerson.set(personId, outcome);
      outcomes.push(outcome);
    }
    return { outcomes: sortByIndex(outcomes), apiCalls: this.http.callCount - callsBefore, ...preview };
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
    const candidates = await findCandidates(this.http, this.fields, schema, participant, options.signal);
    const decision = decideMatch(participant, candidates, { defaultRegion: options.defaultRegion });
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
