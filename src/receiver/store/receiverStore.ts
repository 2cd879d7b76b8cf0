import type { ContactIndexChange, ContactIndexEntry, ParticipantOutcome } from '../../crm/crmConnector';

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

/** The payload a conversation's delivery holds now: poll and backfill compare DCI's copy with it. */
export interface HeldPayload {
  conversationId: string;
  deliveryId: string;
  status: DeliveryStatus;
  source: SummarySource;
  /** Undefined once retention or erasure removed it. */
  rawBody?: Buffer | undefined;
}

/** A background job that one replica runs at a time (the DCI poller), as the store holds it. */
export interface JobState {
  holder?: string | undefined;
  heldUntil?: Date | undefined;
  /** What the job saved (JSON); undefined before its first save. */
  state?: unknown;
  updatedAt?: Date | undefined;
}

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
  /** Where it came from; `webhook` when not given. */
  source?: SummarySource | undefined;
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

/** What one retention purge removed. */
export interface RetentionPurgeResult {
  /** Deliveries whose title and matching traces were removed. */
  deliveries: number;
  /** Stored payload bodies removed (a delivery may have had several: re-sends, stale copies). */
  payloads: number;
}

/** A stored payload body, as the erasure scan reads them. */
export interface StoredPayload {
  eventId: string;
  rawBody: Buffer;
}

/** What to erase for one person. */
export interface ErasureRequest {
  /** The events whose payload mentions the person (the caller parses the payloads to find them). */
  eventIds: readonly string[];
  /** The person's normalized e-mail: matching traces naming it and contact index entries with it go too. */
  email: string;
  now: Date;
}

/** What an erasure removed: counts and ids only, never the data. */
export interface ErasureResult {
  /** Payload bodies removed. */
  payloads: number;
  /**
   * Deliveries touched: those whose current payload was erased (`payloadRemoved`: title and every trace gone; if it
   * was not delivered yet it is now dead, `payload_erased`), and those where only a trace named the e-mail.
   */
  deliveries: Array<{ id: string; statusBefore: DeliveryStatus; status: DeliveryStatus; payloadRemoved: boolean }>;
  /** Matching traces removed. */
  traces: number;
  /** Contact index entries with the e-mail, removed (every target). */
  contactIndexEntries: number;
}

/** The error code a delivery shows when its payload was erased before it was delivered. */
export const PAYLOAD_ERASED = 'payload_erased';
/** The message that goes with `payload_erased`. */
export const ERASED_MESSAGE =
  'The payload was erased on request (dci-companion erase) before it was delivered: it can no longer be delivered.';

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
    /** What DCI's REST API added; kept on the delivery (also when superseded). */
    enrichment?: EnrichmentRecord | undefined;
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

  /**
   * Makes a dead (or delivered) delivery due now with attempts reset; false when it does not exist, is busy, or its
   * payload was removed (there is nothing left to deliver).
   */
  requeue(deliveryId: string, now: Date): Promise<boolean>;
  /** Requeues every dead delivery that still has its payload; returns how many. */
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
  /**
   * Applies what one CRM change notification means, in one transaction: companies deleted (their persons' entries
   * lose the company) and changed (every entry of the company takes its name and main number), then persons added
   * or replaced, then persons removed. Entries of other persons stay as they are.
   */
  applyContactChange(target: string, change: ContactIndexChange): Promise<void>;
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

  /**
   * Retention: removes the personal data of deliveries delivered at or before `deliveredBefore` — every stored
   * payload body of their conversation, the title (and its search text), the matching traces — and marks them
   * `payloadRemoved: retention`. Status, times, attempts, error codes and the CRM ids of the outcomes stay (later
   * re-sends update the notes they name). Deliveries not delivered (dead letters included) keep everything.
   */
  purgeDeliveredPayloads(request: { deliveredBefore: Date; now: Date }): Promise<RetentionPurgeResult>;
  /** Stored payload bodies in event id order, after `afterEventId`, at most `limit` (the erasure scan pages). */
  listStoredPayloads(page: { afterEventId?: string | undefined; limit: number }): Promise<StoredPayload[]>;
  /**
   * Erasure for one person, in one transaction: removes the given events' bodies; a delivery whose current payload
   * is among them loses its title and traces (`payloadRemoved: erasure`) and, unless delivered, becomes dead with
   * `payload_erased` (it can no longer be delivered; requeue refuses it); traces naming the e-mail elsewhere are
   * removed; contact index entries with the e-mail are deleted.
   */
  erasePersonalData(request: ErasureRequest): Promise<ErasureResult>;

  /** The payloads the deliveries of these conversations hold now (conversations without a delivery are left out). */
  heldPayloads(target: string, conversationIds: readonly string[]): Promise<HeldPayload[]>;
  /**
   * Delivered deliveries whose enrichment is `partial` and was last tried before `before`, oldest first, that still
   * hold their payload (a removed one cannot be delivered again): the receiver asks DCI again and, when it answers,
   * delivers them again (notes updated in place).
   */
  listPartiallyEnriched(request: { target: string; before: Date; limit: number }): Promise<string[]>;
  /** Records that a partial enrichment was tried again at `at` and DCI still could not be read. */
  touchEnrichment(deliveryId: string, at: Date): Promise<void>;

  /**
   * Takes the named lease for `holder` until `now + leaseMs` when it is free, expired or already `holder`'s (then it
   * is renewed): true when `holder` holds it now. Atomic: two replicas never both get it.
   */
  takeLease(request: { name: string; holder: string; now: Date; leaseMs: number }): Promise<boolean>;
  /** Gives the lease up (shutdown), when `holder` holds it. */
  releaseLease(request: { name: string; holder: string }): Promise<void>;
  /** The named job's lease and saved state; undefined when it never ran. */
  readJobState(name: string): Promise<JobState | undefined>;
  /** Saves the job's state (JSON-serialisable) when `holder` still holds the lease; false when it lost it. */
  writeJobState(request: { name: string; holder: string; state: unknown; now: Date }): Promise<boolean>;

  /**
   * A token bucket shared by every process on this store (capacity `perMinute`, refilled at `perMinute` a minute,
   * full when new): takes one token and answers 0, or answers how many ms until one is free and takes none. While
   * the bucket is paused it answers the ms until the pause ends.
   */
  takeRateToken(request: { key: string; now: Date; perMinute: number }): Promise<number>;
  /** Pauses the bucket until `until` (a later pause wins; an earlier one changes nothing). */
  pauseRateBucket(request: { key: string; until: Date }): Promise<void>;

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
