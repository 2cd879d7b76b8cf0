import { normalizeEmail, parseSummaryPayload } from '../../core';
import { participantKeyHash, type ParticipantLookupKey } from '../secrets/participantLookup';
import { mentionsAddress } from '../store/mentionsAddress';
import type { ErasureResult, PersonalDataStore } from '../store/ports/personalDataStore';

/** Payloads read per page while looking for the person. */
const SCAN_PAGE = 200;

/**
 * Erases what the store holds about the person with this (normalized) e-mail: every payload that names them, with
 * the titles and traces that came from it, traces elsewhere that name them, their contact index entries, and the
 * participant lookup rows of those payloads and (with `lookupKey`) every row with the e-mail's hash. What the CRM
 * holds is not touched.
 */
export async function erasePerson(
  store: PersonalDataStore,
  email: string,
  now: Date,
  lookupKey?: ParticipantLookupKey,
): Promise<ErasureResult> {
  const eventIds: string[] = [];
  let afterEventId: string | undefined;
  for (;;) {
    const page = await store.listStoredPayloads({ afterEventId, limit: SCAN_PAGE });
    for (const payload of page) if (payloadMentions(payload.rawBody, email)) eventIds.push(payload.eventId);
    if (page.length < SCAN_PAGE) break;
    afterEventId = page.at(-1)?.eventId;
  }
  const participantKeyHashes = lookupKey === undefined ? [] : [participantKeyHash(lookupKey, 'email', email)];
  return store.erasePersonalData({ eventIds, email, participantKeyHashes, now });
}

/**
 * Whether a stored payload concerns the person: a participant's or the presenter's e-mail, normalized as matching
 * normalizes it ("<mailto:Anna@Customer.SE>" is anna@customer.se), or the address written anywhere in it (the
 * summary text, a field a later contract adds). A body that is not JSON is searched as text.
 */
export function payloadMentions(rawBody: Buffer, email: string): boolean {
  const text = rawBody.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    return mentionsAddress(text, email);
  }
  const parsed = parseSummaryPayload(json);
  if (parsed.ok) {
    const people = [...parsed.summary.participants, ...(parsed.summary.presenter ? [parsed.summary.presenter] : [])];
    if (people.some((person) => person.email !== undefined && normalizeEmail(person.email) === email)) return true;
  }
  // JSON strings, decoded: an address written with escapes (\u0040) is still found.
  return stringsIn(json).some((value) => normalizeEmail(value) === email || mentionsAddress(value, email));
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}
