import type { DeliveryStatus } from './deliveryQueue';

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
  /**
   * The participant lookup hashes of the person's e-mail (and numbers, when known): lookup rows with them are removed
   * wherever they are. The rows of every delivery whose current payload is erased go in any case.
   */
  participantKeyHashes?: readonly string[] | undefined;
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

/** Removing personal data: the retention purge and a person's erasure. */
export interface PersonalDataStore {
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
}
