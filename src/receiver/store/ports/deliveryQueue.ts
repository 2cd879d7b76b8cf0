import type { ParticipantOutcome } from '../../../core';
import type { ParticipantKey } from './participantKeys';

/**
 * Where a delivery stands.
 * - `pending`: due now (new, superseded by a newer payload, or requeued);
 * - `in_progress`: claimed by a worker under a lease (`locked_until`);
 * - `retrying`: failed with a temporary error, due again at `nextAttemptAt`;
 * - `delivered`: the CRM has the notes;
 * - `dead`: failed permanently, or ran out of attempts; kept until an admin requeues it.
 */
export type DeliveryStatus = 'pending' | 'in_progress' | 'retrying' | 'delivered' | 'dead';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'in_progress', 'retrying', 'delivered', 'dead'];

/**
 * Where a summary came from: DCI's signed webhook, the receiver's own poll of DCI's REST API (outbound only), or a
 * backfill an admin started.
 */
export type SummarySource = 'webhook' | 'poll' | 'backfill';

/**
 * What DCI's REST API added to a delivery's payload before matching (the webhook has no links, notes, end time or
 * phones). Shown on the admin pages; never contains personal data (parts and reasons only).
 * - `complete`: every gap DCI could fill was filled (what it has not, it has not: `missing` says so);
 * - `partial`: DCI could not be reached within the wait, so the notes were written without some parts; a later
 *   successful read updates them in place;
 * - `off`: no DCI API token is configured, so nothing was asked.
 */
export interface EnrichmentRecord {
  state: 'complete' | 'partial' | 'off';
  /** The parts REST added, in words: `recording link`, `conversation link`, `end time`, `participant phones` … */
  added: string[];
  /** The parts still missing, each with why (`the token lacks the recordings scope`, `DCI sent none` …). */
  missing: Array<{ part: string; reason: string }>;
  at: Date;
}

/** A verified, valid `conversation.completed` request, about to be acknowledged. */
export interface AcceptedSummary {
  /**
   * The idempotency key: the sender's delivery id (`X-Webhook-Delivery-Id`, `webhook-id`, `_meta.delivery_id`).
   * A second request with the same key is a duplicate, whatever its body.
   */
  deliveryKey: string;
  /** How the sender signed the request (ingest's SignatureScheme): stored as given, never read back. */
  scheme: string;
  receivedAt: Date;
  /** The exact bytes received, kept for replay and audit until the retention time. */
  rawBody: Buffer;
  conversationId: string;
  /** The payload's own `timestamp` (ISO), used to keep a late older re-send from replacing a newer one. */
  eventTimestamp?: string | undefined;
  /** The meeting name, for search in the delivery log. */
  title: string;
  /** Which CRM connection the delivery is for (`lime`). One delivery per (conversation, target). */
  target: string;
  /** Where it came from; `webhook` when not given. */
  source?: SummarySource | undefined;
  /**
   * The payload's participant lookup keys (keyed hashes, never the values): when the summary is queued, they replace
   * the rows of the delivery's previous payload. Undefined: the delivery gets none (until a rebuild fills them).
   */
  participantKeys?: readonly ParticipantKey[] | undefined;
}

export type AcceptResult =
  /** Stored; the conversation's delivery is due (new, or now carrying this newer payload). */
  | { kind: 'queued'; eventId: string; deliveryId: string }
  /** The delivery key was seen before: nothing changed; answer with the original event id. */
  | { kind: 'duplicate'; eventId: string }
  /** Stored for the record, but older than the payload the delivery already holds: it changes nothing. */
  | { kind: 'stale'; eventId: string; deliveryId: string };

/** A request that is acknowledged but not delivered (another event type). */
export interface IgnoredEvent {
  deliveryKey: string;
  /** How the sender signed the request (ingest's SignatureScheme): stored as given, never read back. */
  scheme: string;
  receivedAt: Date;
  eventType: string;
}

/** A delivery handed to one worker under a lease. */
export interface ClaimedDelivery {
  deliveryId: string;
  conversationId: string;
  target: string;
  /** The event whose payload this attempt delivers, and its raw body. */
  eventId: string;
  rawBody: Buffer;
  /** Changes whenever a newer payload arrives; a completion for an old version does not mark the new one done. */
  version: number;
  /** This attempt's number, 1 for the first (an attempt cut off by a crash counts). */
  attempt: number;
  /**
   * When the conversation's first payload arrived, or when the delivery was last reopened after being delivered or
   * dead (a re-send, a requeue): the max-age clock for retries.
   */
  firstReceivedAt: Date;
}

/** One attempt, as the audit trail keeps it. Never contains personal data. */
export interface AttemptRecord {
  attempt: number;
  startedAt: Date;
  durationMs: number;
  outcome: 'delivered' | 'retry' | 'dead';
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
  /** The CRM's HTTP status, when it answered. */
  crmStatus?: number | undefined;
  /** CRM API calls the attempt cost. */
  apiCalls?: number | undefined;
}

/** A claimed attempt that ended, as its worker reports it. */
export interface FinishedAttempt {
  deliveryId: string;
  workerId: string;
  /** The version the claim handed out: a newer payload since then supersedes the result. */
  version: number;
  attempt: AttemptRecord;
  now: Date;
}

/**
 * The durable queue: summaries in, deliveries claimed under a lease, each attempt's end recorded. Ingest, the poll
 * and the delivery worker take it; what a result does to its delivery (lost, superseded, settled) is decided in
 * deliveryTransitions.ts, once for every adapter.
 */
export interface DeliveryQueue {
  /**
   * Stores a verified summary and makes its conversation's delivery due, in one durable transaction: when the
   * promise resolves, a crash loses nothing. A newer payload for a conversation replaces the one a pending or
   * retrying delivery holds (attempts start over); for a delivered or dead delivery it makes it due again, so
   * the notes already written are updated; for one in progress, the worker's completion sends it round again.
   */
  acceptSummary(summary: AcceptedSummary): Promise<AcceptResult>;
  /** Records an acknowledged event that needs no delivery; a known delivery key is a duplicate. */
  recordIgnoredEvent(event: IgnoredEvent): Promise<{ eventId: string; duplicate: boolean }>;

  /**
   * Claims up to `limit` due deliveries (pending, retrying and due, or in progress with an expired lease) for
   * `workerId` until `now + leaseMs`, counting an attempt on each. Atomic: two workers never get the same row.
   */
  claimDue(request: {
    workerId: string;
    now: Date;
    limit: number;
    leaseMs: number;
    /** Only deliveries for this CRM target (the CRM in effect); undefined: any. */
    target?: string | undefined;
  }): Promise<ClaimedDelivery[]>;
  /**
   * Marks the claimed delivery delivered with its outcomes, unless a newer payload arrived meanwhile: then the
   * outcomes are kept and the delivery is due again (`superseded`). Ignored (`lost`) when the lease was lost.
   */
  completeDelivery(
    done: FinishedAttempt & {
      outcomes: ParticipantOutcome[];
      /** What DCI's REST API added; kept on the delivery (also when superseded). */
      enrichment?: EnrichmentRecord | undefined;
    },
  ): Promise<'delivered' | 'superseded' | 'lost'>;
  /** Records a failed attempt and makes the delivery due again at `nextAttemptAt` (sooner if a newer payload came). */
  retryDelivery(failed: FinishedAttempt & { nextAttemptAt: Date }): Promise<'retrying' | 'superseded' | 'lost'>;
  /** Records a failed attempt and moves the delivery to the dead letters with the reason (a newer payload wins). */
  deadLetterDelivery(failed: FinishedAttempt): Promise<'dead' | 'superseded' | 'lost'>;
  /**
   * Gives a claimed delivery back, due now, without counting the attempt (graceful shutdown; the CRM out, in which
   * case the worker claims nothing until it answers). `reason` is what the attempt log shows; default: shutdown.
   */
  releaseDelivery(release: {
    deliveryId: string;
    workerId: string;
    now: Date;
    reason?: { code: string; message: string } | undefined;
  }): Promise<void>;

  /**
   * Makes a dead (or delivered) delivery due now with attempts reset; false when it does not exist, is busy, or its
   * payload was removed (there is nothing left to deliver).
   */
  requeue(deliveryId: string, now: Date): Promise<boolean>;
  /**
   * Requeues every dead delivery that still has its payload; returns how many. With `target` (the CRM in effect)
   * only that target's: another CRM's dead letters reopened would wait, unclaimed, until that CRM is set again.
   */
  requeueAllDead(now: Date, target?: string): Promise<number>;
}
