/** What a participant lookup row is keyed by: the e-mail or a phone number (E.164), as a keyed hash. */
export type ParticipantKeyKind = 'email' | 'phone';

/**
 * One participant's lookup key, as secrets/participantLookup.ts makes it: a keyed hash (HMAC-SHA256, 64 hex
 * characters) of the normalized e-mail or E.164 number. The store keeps only the hash, never the value.
 */
export interface ParticipantKey {
  /** The participant's index in the payload, as its outcome is recorded. */
  participantIndex: number;
  kind: ParticipantKeyKind;
  hash: string;
}

/** A delivery whose current payload has a participant with one of the hashes looked for. */
export interface ParticipantKeyHit {
  deliveryId: string;
  participantIndex: number;
  kind: ParticipantKeyKind;
  conversationId: string;
  target: string;
  /** When the payload the delivery holds now was received. */
  receivedAt: Date;
}

/** A delivery's current payload, for (re)building its lookup rows. */
export interface KeyablePayload {
  deliveryId: string;
  eventId: string;
  rawBody: Buffer;
}

/**
 * The participant lookup rows (migration 8, `participant_keys`): one per (delivery, participant, kind, hash), for the
 * payload each delivery holds now. `acceptSummary` writes them with the payload (`AcceptedSummary.participantKeys`),
 * so pending, failed and dead deliveries are found as well as delivered ones; erasure and the retention purge remove
 * them with the payload.
 */
export interface ParticipantKeyStore {
  /**
   * The (delivery, participant) pairs whose current payload has one of `hashes`, newest payload first, at most
   * `limit` (default 500). With `receivedSince`, only payloads received at or after it; with `target`, only that
   * CRM target's deliveries.
   */
  findByParticipantKeys(query: {
    hashes: readonly string[];
    receivedSince?: Date | undefined;
    target?: string | undefined;
    limit?: number | undefined;
  }): Promise<ParticipantKeyHit[]>;
  /**
   * Replaces a delivery's lookup rows with `keys`, if the delivery still holds the payload `eventId` (a newer payload
   * brought its own rows); false when it does not, or its payload was removed.
   */
  replaceParticipantKeys(request: {
    deliveryId: string;
    eventId: string;
    keys: readonly ParticipantKey[];
  }): Promise<boolean>;
  /**
   * The deliveries that still hold a payload, by delivery id after `afterDeliveryId`, at most `limit`: the rebuild of
   * every row (after the lookup key changed, or the first start with migration 8) pages through them.
   */
  listKeyablePayloads(page: { afterDeliveryId?: string | undefined; limit: number }): Promise<KeyablePayload[]>;
  /**
   * The participant lookup state kept in the settings table: the stored random seed (when SECRET_KEY is not set)
   * and the id of the key the rows are under. `claimLookupSeed` stores `candidate` unless a seed is stored already
   * (another replica was first), and returns the stored one.
   */
  claimLookupSeed(candidate: string): Promise<string>;
  /** The id of the lookup key every row is under, once a rebuild finished; undefined before. */
  readParticipantKeysId(): Promise<string | undefined>;
  writeParticipantKeysId(keyId: string): Promise<void>;
}
