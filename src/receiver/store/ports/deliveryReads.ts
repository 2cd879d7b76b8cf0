import type { ParticipantOutcome } from '../../../core';
import type { AttemptRecord, DeliveryStatus, EnrichmentRecord, SummarySource } from './deliveryQueue';

export interface DeliveryRow {
  id: string;
  conversationId: string;
  target: string;
  title: string;
  status: DeliveryStatus;
  /** Attempts made so far (for the current payload). */
  attempts: number;
  nextAttemptAt?: Date | undefined;
  lastErrorCode?: string | undefined;
  lastErrorMessage?: string | undefined;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt?: Date | undefined;
  /** Where the payload the delivery holds came from. */
  source: SummarySource;
  /** What DCI's REST API added in the last recorded attempt; undefined before one. */
  enrichment?: EnrichmentRecord | undefined;
  /**
   * Set once the delivery's personal data was removed: its payloads, its title (then empty) and its matching traces.
   * Status, times, attempts and the CRM ids of the outcomes stay. A newer payload for the conversation clears it.
   */
  payloadRemoved?: PayloadRemoval | undefined;
}

/** Why and when a delivery's personal data was removed. */
export interface PayloadRemoval {
  /** `retention`: purged after delivery (RETENTION_DAYS); `erasure`: removed by `dci-companion erase`. */
  reason: 'retention' | 'erasure';
  at: Date;
}

export interface DeliveryDetail extends DeliveryRow {
  eventId: string;
  attemptLog: AttemptRecord[];
  /**
   * The outcome per participant of the last completed attempt, a participant resolved since (re-matched or assigned
   * by an admin) with that later outcome.
   */
  outcomes: StoredParticipantOutcome[];
}

/** How a participant left without a person got one after the delivery (issue 19). */
export interface ResolvedLater {
  /** `rematch`: matched again when the contact index changed (or by the daily sweep); `admin`: an admin chose. */
  how: 'rematch' | 'admin';
  at: Date;
  /** Who chose (`admin`, with the session's identity when there is one; `cli`); undefined for a re-match. */
  by?: string | undefined;
}

/** A participant's stored outcome: the delivery's, or a later one (`resolvedLater` says how and when). */
export type StoredParticipantOutcome = ParticipantOutcome & { resolvedLater?: ResolvedLater | undefined };

export interface DeliveryCounts {
  /** Deliveries by status: of the target asked for, or of every target when none was. */
  byStatus: Record<DeliveryStatus, number>;
  /** The oldest of those deliveries that is not delivered or dead, by when it became open (its `firstReceivedAt`). */
  oldestOpenSince?: Date | undefined;
  /**
   * With a target: the open deliveries (not delivered or dead) of every other target, by target, most first. No
   * worker claims them while another CRM is in effect (`claimDue` takes the target in effect only), so they are not
   * counted as open above: after a CRM switch they would keep the queue gauges and their alert up forever.
   */
  waitingForOtherCrm?: OtherCrmWaiting[] | undefined;
}

/** Open deliveries of a CRM that is not in effect: delivered when that CRM is set again (`CRM`). */
export interface OtherCrmWaiting {
  target: string;
  count: number;
}

/** The payload a conversation's delivery holds now: poll and backfill compare DCI's copy with it. */
export interface HeldPayload {
  conversationId: string;
  deliveryId: string;
  status: DeliveryStatus;
  source: SummarySource;
  /** Undefined once retention or erasure removed it. */
  rawBody?: Buffer | undefined;
}

/** What the deliveries hold and how they stand: the admin pages, metrics, the CLI, and the poll's comparison. */
export interface DeliveryReads {
  /**
   * Newest first; `search` matches the meeting title (case-insensitive substring) or the conversation id, and with
   * `participantKeyHash` (the search read as an e-mail or number and hashed, secrets/participantLookup.ts) also a
   * delivery whose current payload has a participant with that hash.
   */
  listDeliveries(query: {
    status?: DeliveryStatus | undefined;
    search?: string | undefined;
    participantKeyHash?: string | undefined;
    limit: number;
    offset?: number | undefined;
  }): Promise<DeliveryRow[]>;
  getDelivery(deliveryId: string): Promise<DeliveryDetail | undefined>;
  /** The raw body of a stored event (replay, dry run), or undefined. */
  getEventBody(eventId: string): Promise<Buffer | undefined>;
  /**
   * The deliveries by status and the oldest open one. With `target` (the CRM in effect) only that target's are
   * counted, and the other targets' open ones are given apart (`waitingForOtherCrm`); without it every target's.
   */
  counts(target?: string): Promise<DeliveryCounts>;
  /** The payloads the deliveries of these conversations hold now (conversations without a delivery are left out). */
  heldPayloads(target: string, conversationIds: readonly string[]): Promise<HeldPayload[]>;
}
