import type { ContactIndexChange, ContactIndexEntry } from '../../../crm/contactIndexRecords';

/** One e-mail or number that several persons in the contact index share. */
export interface ContactDuplicate {
  kind: 'email' | 'phone';
  value: string;
  personIds: Array<number | string>;
}

/**
 * What an admin searches the contact index for when assigning a participant: a name (case- and
 * diacritics-insensitive, anywhere in the name), the start of a normalized e-mail (a whole e-mail finds itself), or
 * E.164 numbers (a person's mobile or phone; one typed number may stand for several when its region is unsure).
 */
export type ContactSearch =
  { kind: 'name'; text: string } | { kind: 'email'; prefix: string } | { kind: 'phone'; e164s: readonly string[] };

/** The first `limit` entries found, by name, and whether there were more. */
export interface ContactSearchResult {
  entries: ContactIndexEntry[];
  more: boolean;
}

/** The local copy of a CRM's persons that matching looks participants up in, one index per CRM target. */
export interface ContactIndexStore {
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
  /**
   * Entries an admin's search finds (ContactSearch), ordered by name then id, at most `limit`. An empty name, e-mail
   * or list of numbers finds nothing (never the whole index).
   */
  searchContacts(target: string, search: ContactSearch, limit: number): Promise<ContactSearchResult>;
  /** How many entries of the index have no name (synced before names were kept: filled by the next full sync). */
  contactsWithoutName(target: string): Promise<number>;
  /** How many entries the index holds and when it was last synced (undefined: never). */
  contactIndexState(target: string): Promise<{ size: number; syncedAt?: Date | undefined }>;
}
