import { normalizePhone } from '../../core';
import type { ContactIndexEntry } from '../../crm/contactIndexRecords';
import type { ContactIndexStore, ContactSearch } from '../store/ports/contactIndexStore';

/** At most this many persons are listed for one search: an admin narrows the search rather than scroll. */
export const PERSON_SEARCH_LIMIT = 20;

/** What an admin's search for a person to assign came to, as the delivery page shows it. */
export type PersonSearchResult =
  | { kind: 'found'; searchedBy: ContactSearch['kind']; entries: ContactIndexEntry[]; more: boolean; unnamed: number }
  | { kind: 'refused'; message: string };

/** Searches the contact index for the person an admin means (name, e-mail or phone, as typed). */
export type PersonSearch = (text: string) => Promise<PersonSearchResult>;

/**
 * The admin's search over the receiver's contact index (Lime's: SuperOffice has none). What was typed decides what
 * is searched: with an `@` the start of an e-mail; what looks like a number (digits and the separators people write)
 * a mobile or phone, read into E.164 with DEFAULT_PHONE_REGION as matching reads participants; anything else a
 * name. Nothing typed is never "everyone".
 */
export function personSearch(
  store: Pick<ContactIndexStore, 'searchContacts' | 'contactsWithoutName'>,
  options: { target: string; defaultRegion: string },
): PersonSearch {
  return async (text) => {
    const search = readPersonSearch(text, options.defaultRegion);
    if ('message' in search) return { kind: 'refused', message: search.message };
    const [found, unnamed] = await Promise.all([
      store.searchContacts(options.target, search, PERSON_SEARCH_LIMIT),
      search.kind === 'name' ? store.contactsWithoutName(options.target) : 0,
    ]);
    return { kind: 'found', searchedBy: search.kind, ...found, unnamed };
  };
}

/** What an admin typed, as a contact index search, or why it is not one. */
export function readPersonSearch(text: string, defaultRegion: string): ContactSearch | { message: string } {
  const trimmed = text.normalize('NFKC').trim().slice(0, 200);
  if (trimmed === '') return { message: 'Type a name, an e-mail or a phone number to search for.' };
  if (trimmed.includes('@')) return { kind: 'email', prefix: trimmed.toLowerCase() };
  if (/^[+(]?[\d\s().\-/]+$/u.test(trimmed)) {
    const phone = normalizePhone(trimmed, defaultRegion);
    if (phone.kind !== 'valid') {
      return { message: 'That is not a phone number that can be read: type it with its area code or as +46 …' };
    }
    return { kind: 'phone', e164s: [phone.e164] };
  }
  if (trimmed.length < 2) return { message: 'Type at least two letters of the name.' };
  return { kind: 'name', text: trimmed };
}
