import type { ContactIndexEntry, ParticipantOutcome } from '../crmConnector';

// The receiver's durable store: the queue and the audit trail. One interface, intention-named methods, one
// contract test suite (test/store/storeContract.ts) run against every adapter (SQLite now, PostgreSQL later).

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

/** How the sender signed the request. */
export type SignatureScheme = 'dci' | 'standard_webhooks';

/** A verified, valid `conversation.completed` request, about to be acknowledged. */
export interface AcceptedSummary {
  /**
   * The idempotency key: the sender's delivery id (`X-Webhook-Delivery-Id`, `webhook-id`, `_meta.delivery_id`).
   * A second request with the same key is a duplicate, whatever its body.
   */
  deliveryKey: string;
  scheme: SignatureScheme;
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
  scheme: SignatureScheme;
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
}

export interface DeliveryDetail extends DeliveryRow {
  eventId: string;
  attemptLog: AttemptRecord[];
  /** The outcome per participant of the last completed attempt. */
  outcomes: ParticipantOutcome[];
}

export interface DeliveryCounts {
  byStatus: Record<DeliveryStatus, number>;
  /** The oldest delivery that is not delivered or dead, by when it became open (its `firstReceivedAt`). */
  oldestOpenSince?: Date | undefined;
}

/** One e-mail or number that several persons in the contact index share. */
export interface ContactDuplicate {
  kind: 'email' | 'phone';
  value: string;
  personIds: Array<number | string>;
}

export interface ReceiverStore {
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
  claimDue(request: { workerId: string; now: Date; limit: number; leaseMs: number }): Promise<ClaimedDelivery[]>;
  /**
   * Marks the claimed delivery delivered with its outcomes, unless a newer payload arrived meanwhile: then the
   * outcomes are kept and the delivery is due again (`superseded`). Ignored (`lost`) when the lease was lost.
   */
  completeDelivery(done: {
    deliveryId: string;
    workerId: string;
    version: number;
    attempt: AttemptRecord;
    outcomes: ParticipantOutcome[];
    now: Date;
  }): Promise<'delivered' | 'superseded' | 'lost'>;
  /** Records a failed attempt and makes the delivery due again at `nextAttemptAt` (sooner if a newer payload came). */
  retryDelivery(failed: {
    deliveryId: string;
    workerId: string;
    version: number;
    attempt: AttemptRecord;
    nextAttemptAt: Date;
    now: Date;
  }): Promise<'retrying' | 'superseded' | 'lost'>;
  /** Records a failed attempt and moves the delivery to the dead letters with the reason (a newer payload wins). */
  deadLetterDelivery(failed: {
    deliveryId: string;
    workerId: string;
    version: number;
    attempt: AttemptRecord;
    now: Date;
  }): Promise<'dead' | 'superseded' | 'lost'>;
  /** Gives a claimed delivery back without counting the attempt (graceful shutdown). */
  releaseDelivery(release: { deliveryId: string; workerId: string; now: Date }): Promise<void>;

  /** Makes a dead (or delivered) delivery due now with attempts reset; false when it does not exist or is busy. */
  requeue(deliveryId: string, now: Date): Promise<boolean>;
  /** Requeues every dead delivery; returns how many. */
  requeueAllDead(now: Date): Promise<number>;

  /** Newest first; `search` matches the meeting title (case-insensitive substring) or the conversation id. */
  listDeliveries(query: {
    status?: DeliveryStatus | undefined;
    search?: string | undefined;
    limit: number;
    offset?: number | undefined;
  }): Promise<DeliveryRow[]>;
  getDelivery(deliveryId: string): Promise<DeliveryDetail | undefined>;
  /** The raw body of a stored event (replay, dry run), or undefined. */
  getEventBody(eventId: string): Promise<Buffer | undefined>;
  counts(): Promise<DeliveryCounts>;

  /**
   * The settings saved on the admin pages, by key, each value as it was written (JSON-serialisable). Values are
   * `unknown`: the settings service parses them. Empty when nothing was saved.
   */
  readSettings(): Promise<Record<string, unknown>>;
  /**
   * Saves the given settings in one transaction; a key whose value is `undefined` is removed, keys not given stay
   * as they are. Values must be JSON-serialisable.
   */
  writeSettings(values: Record<string, unknown | undefined>): Promise<void>;

  /**
   * Replaces the local contact index of a CRM target with a full sync's entries, in one transaction: readers see
   * the old index or the new one, never a mix.
   */
  replaceContactIndex(target: string, entries: readonly ContactIndexEntry[], syncedAt: Date): Promise<void>;
  /** Adds or replaces these entries (an incremental pass: changed persons only; nothing is removed). */
  updateContactIndex(target: string, entries: readonly ContactIndexEntry[]): Promise<void>;
  /** The newest CRM change time among the index's entries (the high-water mark of incremental passes). */
  newestContactUpdate(target: string): Promise<string | undefined>;
  /** Index entries with one of these normalized e-mails or E.164 numbers (mobile, phone or company main). */
  findContactCandidates(
    target: string,
    query: { emails: readonly string[]; phones: readonly string[] },
  ): Promise<ContactIndexEntry[]>;
  /**
   * E-mails and numbers held by more than one person in the index (a number counts whether it is someone's mobile
   * or phone): the duplicates behind "wrong contact matched". Most persons first, at most `limit` groups.
   */
  contactIndexDuplicates(target: string, limit: number): Promise<ContactDuplicate[]>;
  /** How many entries the index holds and when it was last synced (undefined: never). */
  contactIndexState(target: string): Promise<{ size: number; syncedAt?: Date | undefined }>;

  /** Proves the store can write now (readiness): throws when it cannot. */
  checkWritable(): Promise<void>;
  /**
   * How many bytes the store can still grow by, where it can tell (SQLite: the free space of its file system, or
   * of its page cap when lower); undefined where it cannot (PostgreSQL: the server's disk is its own). Readiness
   * reports a store without room for a summary, before a write fails.
   */
  roomLeft?(): Promise<number | undefined>;
  close(): Promise<void>;
}
