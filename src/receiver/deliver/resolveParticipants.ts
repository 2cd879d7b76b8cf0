import {
  classifyParticipants,
  NOTE_OUTCOMES,
  parseSummaryPayload,
  PersonNotFoundError,
  type CrmId,
  type MeetingSummary,
  type ParticipantOutcome,
} from '../../core';
import type { CrmConnector, DeliverOptions } from '../../crm/crmConnector';
import { CrmError } from '../../crm/crmError';
import type { EnrichDelivery } from '../enrich/enrichPayload';
import type { Logger } from '../observability/logger';
import { participantKeyHash, type ParticipantLookupKey } from '../secrets/participantLookup';
import type { ContactIndexStore } from '../store/ports/contactIndexStore';
import type { ParticipantKeyStore } from '../store/ports/participantKeys';
import type { DeliveryDetail, DeliveryReads, ResolvedLater } from '../store/ports/deliveryReads';
import { UNRESOLVED_OUTCOMES, type ParticipantResolutions } from '../store/ports/participantResolutions';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How often every waiting participant is matched again (the sweep): daily, as Salesforce ECI retries for a week. */
export const REMATCH_SWEEP_MS = DAY_MS;
/** Deliveries looked at per re-match pass: newest first; a sweep the next day takes the rest. */
const REMATCH_BATCH = 500;

/** The keys a contact index change touched (normalized e-mails, E.164 numbers), or every key (a sweep). */
export type ChangedKeys = { emails: ReadonlySet<string>; phones: ReadonlySet<string> } | 'all';

export interface ParticipantResolverOptions {
  store: DeliveryReads & ParticipantResolutions & ContactIndexStore & ParticipantKeyStore;
  /**
   * The participant lookup key (migration 8): a change's keys find the deliveries holding them through their keyed
   * hashes. Undefined: every waiting delivery of the window is read and its participants compared.
   */
  lookupKey?: (() => ParticipantLookupKey | undefined) | undefined;
  getConnector: () => CrmConnector | undefined;
  deliverOptions: () => Omit<DeliverOptions, 'signal'>;
  /** The CRM in effect (`lime`, `superoffice`): only its deliveries are resolved. */
  target: string;
  /** `REMATCH_DAYS`: how long after a delivery was received its participants are matched again; 0: never. */
  rematchDays: number;
  /** Completes the payload from DCI's REST API as the worker does; undefined: the payload as received. */
  enrich?: EnrichDelivery | undefined;
  logger: Logger;
  now?: (() => Date) | undefined;
}

/** What an admin's assignment came to. */
export type AssignResult =
  { kind: 'written'; outcome: ParticipantOutcome } | { kind: 'refused'; code: AssignRefusal; message: string };

export type AssignRefusal =
  | 'no_delivery'
  | 'not_delivered'
  | 'not_unresolved'
  | 'payload_removed'
  | 'person_not_found'
  | 'no_connection'
  | 'crm_failed';

/** What a re-match pass did: meetings looked at, and participants that got a note. */
export interface RematchReport {
  deliveries: number;
  resolved: number;
}

/**
 * Issue 19 items 2 and 3: participants a delivery left without a person (no match, ambiguous, a company note) get
 * their note later — when the contact index changes for their e-mail or number, or a daily sweep finds them now
 * (re-matching, for `REMATCH_DAYS` after the delivery was received), or when an admin says who they are. Only those
 * participants are matched and written (`onlyParticipants`); the others' stored outcomes stay. Exactly once per
 * (conversation, person): the notes the delivery recorded are passed as known, and the connector always searches
 * for its own notes too (`knownNotesComplete: false`), so a person who already has the meeting's note (through
 * another participant, or a re-match that ran elsewhere) gets it updated, never doubled. One pass at a time.
 */
export class ParticipantResolver {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ParticipantResolverOptions) {}

  private get now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  /** Re-matches the waiting participants holding one of `keys` (or all of them: a sweep); one pass at a time. */
  rematch(keys: ChangedKeys): Promise<RematchReport> {
    return this.serialized(() => this.rematchNow(keys));
  }

  /** An admin's "this participant is that person": written at once (exactly once), or refused with why. */
  assign(request: {
    deliveryId: string;
    participantIndex: number;
    personId: CrmId;
    by: string;
  }): Promise<AssignResult> {
    return this.serialized(() => this.assignNow(request));
  }

  /** Resolves once the pass or assignment running now (if any) has ended: for shutdown. */
  async settled(): Promise<void> {
    await this.chain;
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async rematchNow(keys: ChangedKeys): Promise<RematchReport> {
    const { store, rematchDays, logger } = this.options;
    const report: RematchReport = { deliveries: 0, resolved: 0 };
    if (rematchDays <= 0 || this.options.getConnector() === undefined) return report;
    const since = new Date(this.now.getTime() - rematchDays * DAY_MS);
    const waiting = await this.waitingFor(keys, since);
    for (const delivery of waiting) {
      try {
        const detail = await store.getDelivery(delivery.deliveryId);
        const meeting = detail === undefined ? undefined : await this.meetingOf(detail);
        if (!detail || !meeting) continue;
        const concerned = delivery.participantIndexes.filter((index) => holdsKey(meeting, index, keys, this.policy()));
        if (concerned.length === 0) continue;
        report.deliveries += 1;
        const written = await this.deliverAgain(detail, meeting.summary, new Set(concerned), undefined, {
          how: 'rematch',
          at: this.now,
        });
        report.resolved += written.length;
      } catch (error) {
        // The next change or the daily sweep tries again; one meeting's failure does not stop the others.
        logger.warn({ err: error, deliveryId: delivery.deliveryId }, 're-matching a delivery failed');
      }
    }
    if (report.resolved > 0) logger.info(report, 'participants matched later');
    return report;
  }

  /** The waiting deliveries a change may concern: found by the keys' hashes when there is a lookup key. */
  private async waitingFor(keys: ChangedKeys, since: Date) {
    const { store, target } = this.options;
    const all = () => store.listUnresolved({ target, since, limit: REMATCH_BATCH });
    const lookupKey = this.options.lookupKey?.();
    if (keys === 'all' || lookupKey === undefined) return all();
    const hashes = [
      ...[...keys.emails].map((email) => participantKeyHash(lookupKey, 'email', email)),
      ...[...keys.phones].map((phone) => participantKeyHash(lookupKey, 'phone', phone)),
    ];
    if (hashes.length === 0) return [];
    const hits = await store.findByParticipantKeys({ hashes, receivedSince: since, target, limit: REMATCH_BATCH });
    const byDelivery = new Map<string, Set<number>>();
    for (const hit of hits) {
      const indexes = byDelivery.get(hit.deliveryId) ?? new Set<number>();
      indexes.add(hit.participantIndex);
      byDelivery.set(hit.deliveryId, indexes);
    }
    // Only the participants still waiting (the hits include matched and internal ones): holdsKey checks the rest.
    const waiting = [];
    for (const [deliveryId, indexes] of byDelivery) {
      const detail = await store.getDelivery(deliveryId);
      if (detail?.status !== 'delivered') continue;
      const participantIndexes = detail.outcomes
        .filter((outcome) => indexes.has(outcome.participantIndex) && isUnresolved(outcome.outcome))
        .map((outcome) => outcome.participantIndex);
      if (participantIndexes.length > 0) {
        waiting.push({
          deliveryId,
          conversationId: detail.conversationId,
          receivedAt: detail.createdAt,
          participantIndexes,
        });
      }
    }
    return waiting;
  }

  private async assignNow(request: {
    deliveryId: string;
    participantIndex: number;
    personId: CrmId;
    by: string;
  }): Promise<AssignResult> {
    const refused = (code: AssignRefusal, message: string): AssignResult => ({ kind: 'refused', code, message });
    const { store } = this.options;
    const detail = await store.getDelivery(request.deliveryId);
    if (!detail) return refused('no_delivery', `There is no delivery ${request.deliveryId}.`);
    if (detail.target !== this.options.target) {
      return refused('not_delivered', 'This delivery went to another CRM than the one in effect now.');
    }
    if (detail.status !== 'delivered') {
      return refused(
        'not_delivered',
        'The delivery is not delivered now (it is being delivered or failed): wait for it.',
      );
    }
    const current = detail.outcomes.find((outcome) => outcome.participantIndex === request.participantIndex);
    if (!current || !isUnresolved(current.outcome)) {
      return refused(
        'not_unresolved',
        `Participant ${request.participantIndex + 1} is not waiting for a person (only no match, ambiguous or a company note can be assigned).`,
      );
    }
    const meeting = await this.meetingOf(detail);
    if (!meeting)
      return refused('payload_removed', 'The payload was removed (retention or erasure): nothing can be written.');
    const connector = this.options.getConnector();
    if (!connector) return refused('no_connection', 'No CRM connection is configured.');
    const at = this.now;
    try {
      const written = await this.deliverAgain(
        detail,
        meeting.summary,
        new Set([request.participantIndex]),
        new Map([[request.participantIndex, { personId: request.personId, by: request.by, at: at.toISOString() }]]),
        { how: 'admin', at, by: request.by },
      );
      const outcome = written[0];
      if (!outcome) return refused('not_delivered', 'The delivery changed meanwhile: look at it again.');
      return { kind: 'written', outcome };
    } catch (error) {
      if (error instanceof PersonNotFoundError) return refused('person_not_found', error.message);
      const code = error instanceof CrmError ? error.code : 'error';
      this.options.logger.warn({ err: error, deliveryId: request.deliveryId }, "writing an admin's assignment failed");
      return refused('crm_failed', `The CRM failed (${code}): nothing was recorded; try again.`);
    }
  }

  /**
   * Delivers the meeting again for `only` (with `assignments`), and records the participants that now have a note.
   * Returns those outcomes (none when nothing changed or the delivery moved on meanwhile).
   */
  private async deliverAgain(
    detail: DeliveryDetail,
    summary: MeetingSummary,
    only: ReadonlySet<number>,
    assignments: DeliverOptions['assignments'],
    resolved: ResolvedLater,
  ): Promise<ParticipantOutcome[]> {
    const { store, target } = this.options;
    const connector = this.options.getConnector();
    if (!connector) return [];
    const indexed = (await store.contactIndexState(target)).size > 0;
    const report = await connector.deliver(summary, {
      ...this.options.deliverOptions(),
      dryRun: false,
      knownNotes: detail.outcomes.flatMap((outcome) =>
        outcome.personId !== undefined && outcome.noteId !== undefined
          ? [{ personId: outcome.personId, noteId: outcome.noteId }]
          : [],
      ),
      // A company note already written is updated, not written again, when the re-run still finds only the company.
      knownCompanyNotes: detail.outcomes.flatMap((outcome) =>
        outcome.outcome === 'company_note' && outcome.companyId !== undefined && outcome.noteId !== undefined
          ? [{ companyId: outcome.companyId, noteId: outcome.noteId }]
          : [],
      ),
      // Always search for our own notes: a re-match elsewhere (another replica) may have written one unrecorded.
      knownNotesComplete: false,
      onlyParticipants: only,
      ...(assignments === undefined ? {} : { assignments }),
      ...(indexed ? { findIndexedCandidates: (keys) => store.findContactCandidates(target, keys) } : {}),
    });
    const before = new Map(detail.outcomes.map((outcome) => [outcome.participantIndex, outcome.outcome]));
    // A participant who had a company note and still has only the company is not resolved: nothing new happened.
    const noted = report.outcomes.filter(
      (outcome) =>
        only.has(outcome.participantIndex) &&
        NOTE_OUTCOMES.includes(outcome.outcome) &&
        !(outcome.outcome === 'company_note' && before.get(outcome.participantIndex) === 'company_note'),
    );
    if (noted.length === 0) return [];
    const merged = await store.resolveParticipants({ deliveryId: detail.id, outcomes: noted, resolved });
    return merged === 'resolved' ? noted : [];
  }

  private policy() {
    const { internalDomains, defaultRegion } = this.options.deliverOptions();
    return { internalDomains, defaultRegion };
  }

  /** The meeting as the delivery holds it (enriched as the worker would), or undefined once its payload is gone. */
  private async meetingOf(detail: DeliveryDetail): Promise<{ summary: MeetingSummary } | undefined> {
    if (detail.payloadRemoved) return undefined;
    const body = await this.options.store.getEventBody(detail.eventId);
    if (body === undefined) return undefined;
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return undefined;
    }
    const parsed = parseSummaryPayload(payload);
    if (!parsed.ok) return undefined;
    const { enrich } = this.options;
    if (!enrich) return { summary: parsed.summary };
    const enriched = await enrich(payload as Record<string, unknown>, parsed.summary, {
      firstReceivedAt: detail.createdAt,
      signal: AbortSignal.timeout(60_000),
    });
    return { summary: enriched.kind === 'ready' ? enriched.summary : parsed.summary };
  }
}

function isUnresolved(outcome: string): boolean {
  return (UNRESOLVED_OUTCOMES as readonly string[]).includes(outcome);
}

/** Whether the meeting's participant `index` holds one of the changed keys (always, for a sweep). */
function holdsKey(
  meeting: { summary: MeetingSummary },
  index: number,
  keys: ChangedKeys,
  policy: { internalDomains: readonly string[]; defaultRegion: string },
): boolean {
  if (keys === 'all') return true;
  const { external } = classifyParticipants(meeting.summary, policy);
  const participant = external.find((each) => each.index === index);
  if (!participant) return false;
  return (
    (participant.email !== undefined && keys.emails.has(participant.email)) ||
    participant.phones.some((phone) => keys.phones.has(phone.e164))
  );
}
