import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { classifyParticipants, normalizeEmail, normalizePhone, type MeetingSummary } from '../../core';

// Finding deliveries by a participant's e-mail or phone number without keeping either in a searchable column: the
// store keeps HMAC-SHA256(lookup key, kind + normalized value) of each participant's e-mail and E.164 numbers, the
// admin's search and the re-matching hash what they look for the same way. Without the key a row says nothing (a
// phone number's hash cannot be reversed by trying every number); with the payload erased, its rows go with it.

/** What a participant is found by: the e-mail as normalizeEmail reads it, a number in E.164 as matching reads it. */
export type ParticipantKeyKind = 'email' | 'phone';

/** One lookup row's content: which participant (its index in the payload, as its outcome has it), by what, the hash. */
export interface ParticipantKeyRow {
  participantIndex: number;
  kind: ParticipantKeyKind;
  /** 64 lower-case hex characters; never the value itself. */
  hash: string;
}

export const LOOKUP_KEY_BYTES = 32;

/** HKDF's info for the lookup key: its own purpose, so it is never the key that seals secrets or signs webhooks. */
const LOOKUP_KEY_INFO = 'dci-crm-companion/participant-lookup-key/v1';
const KEY_ID_LABEL = 'dci-crm-companion/participant-lookup-key-id/v1';

/**
 * The key participant lookups are hashed with.
 * - With SECRET_KEY: derived from it with HKDF-SHA256 (nothing kept at rest; every replica derives the same key).
 * - Without: `storedSeed`, 32 random bytes generated once and kept in the settings table (see `newLookupSeed`): the
 *   database then holds the key beside the hashes, which protects less, but it holds the payloads in plain text too,
 *   so nothing is exposed that a reader of the database could not read already; without any key there would be no
 *   search by e-mail or phone at all.
 */
export interface ParticipantLookupKey {
  key: Buffer;
  /**
   * A fingerprint of the key (not the key: an HMAC of a fixed label under it, 16 hex characters). Stored beside the
   * rows' state, it tells a start that the key changed (SECRET_KEY rotated, set, or removed), so the rows are
   * rebuilt under the new key: a hash under the old one would never be found again.
   */
  id: string;
  source: 'secret_key' | 'stored_seed';
}

export function lookupKeyFromSecretKey(secretKey: Buffer): ParticipantLookupKey {
  const key = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), LOOKUP_KEY_INFO, LOOKUP_KEY_BYTES));
  return { key, id: keyId(key), source: 'secret_key' };
}

/** The stored seed's key; undefined when the seed is not 32 bytes in base64 (then a new one is needed). */
export function lookupKeyFromSeed(seed: string): ParticipantLookupKey | undefined {
  if (!/^[A-Za-z0-9+/]{43}=$/u.test(seed)) return undefined;
  const key = Buffer.from(seed, 'base64');
  return key.length === LOOKUP_KEY_BYTES ? { key, id: keyId(key), source: 'stored_seed' } : undefined;
}

/**
 * The lookup key in effect: derived from SECRET_KEY when it is set, else the seed stored in the settings table
 * (`claimSeed` stores the candidate unless a replica stored one first, and returns the stored one).
 */
export async function resolveLookupKey(
  secretKey: Buffer | undefined,
  claimSeed: (candidate: string) => Promise<string>,
): Promise<ParticipantLookupKey> {
  if (secretKey !== undefined) return lookupKeyFromSecretKey(secretKey);
  const key = lookupKeyFromSeed(await claimSeed(newLookupSeed()));
  if (key === undefined) {
    throw new Error(
      'The participant lookup seed stored in the settings table (participantLookup.seed) is not 32 bytes of base64: the database was altered. Delete that setting and restart; the lookup rows are rebuilt.',
    );
  }
  return key;
}

/** A new random seed for the settings table (base64 of 32 bytes). */
export function newLookupSeed(): string {
  return randomBytes(LOOKUP_KEY_BYTES).toString('base64');
}

function keyId(key: Buffer): string {
  return createHmac('sha256', key).update(KEY_ID_LABEL).digest('hex').slice(0, 16);
}

/** The hash of one already normalized value (an e-mail from normalizeEmail, a number in E.164). */
export function participantKeyHash(key: ParticipantLookupKey, kind: ParticipantKeyKind, normalized: string): string {
  // The kind is part of the message, so an e-mail and a number never share a hash.
  return createHmac('sha256', key.key).update(`${kind}\u0000${normalized}`, 'utf8').digest('hex');
}

/**
 * The lookup rows of a summary: each participant's e-mail and every readable number, read as matching reads them
 * (classifyParticipants: e-mail normalized, numbers in E.164 with `defaultRegion`), under the participant's index
 * as its outcome is recorded (entries that collapsed by e-mail share the first one's). Internal participants count
 * too: support may look for a colleague's meetings; the outcome says what became of each.
 */
export function participantKeyRows(
  summary: MeetingSummary,
  key: ParticipantLookupKey,
  defaultRegion: string,
): ParticipantKeyRow[] {
  const classified = classifyParticipants(summary, { defaultRegion });
  const rows: ParticipantKeyRow[] = [];
  const seen = new Set<string>();
  const add = (participantIndex: number, kind: ParticipantKeyKind, normalized: string) => {
    const hash = participantKeyHash(key, kind, normalized);
    const unique = `${participantIndex} ${hash}`;
    if (seen.has(unique)) return;
    seen.add(unique);
    rows.push({ participantIndex, kind, hash });
  };
  for (const participant of [...classified.external, ...classified.notMatchable, ...classified.internal]) {
    const email = participant.email === undefined ? undefined : normalizeEmail(participant.email);
    if (email !== undefined) add(participant.index, 'email', email);
    for (const phone of participant.phones) add(participant.index, 'phone', phone.e164);
  }
  return rows.sort((a, b) => a.participantIndex - b.participantIndex);
}

/** What a typed search text is, read as matching reads participants. */
export type ParticipantQuery = { kind: 'email'; hash: string } | { kind: 'phone'; hash: string };

/**
 * The hash to look a typed text up by, when it is an e-mail address or a phone number in any written form
 * (`070-123 45 67`, `+46 70 123 45 67`, `0046701234567`, with `defaultRegion` for national forms); undefined for
 * anything else (a title, a conversation id). A text with `@` is only ever an e-mail.
 */
export function participantQuery(
  text: string,
  key: ParticipantLookupKey,
  defaultRegion: string,
): ParticipantQuery | undefined {
  const trimmed = text.trim();
  if (trimmed.includes('@')) {
    const email = normalizeEmail(trimmed);
    return email === undefined ? undefined : { kind: 'email', hash: participantKeyHash(key, 'email', email) };
  }
  // Only what looks like a number (digits and the separators people write) is read as one: a title with a digit
  // in it is not a phone number.
  if (!/^[+(]?[\d\s().\-/]{5,}$/u.test(trimmed) || (trimmed.match(/\d/gu)?.length ?? 0) < 5) return undefined;
  const phone = normalizePhone(trimmed, defaultRegion);
  return phone.kind === 'valid' ? { kind: 'phone', hash: participantKeyHash(key, 'phone', phone.e164) } : undefined;
}
