import type { ContactIndexEntry } from '../../crm/contactIndexRecords';

/**
 * One entry per person, the last one given winning: a sync paging through a CRM that changes meanwhile can see a
 * person twice, and the index keys entries by person. The ids 123 and "123" are different persons, as they are in
 * the stored JSON.
 */
export function latestPerPerson(entries: readonly ContactIndexEntry[]): ContactIndexEntry[] {
  const byPerson = new Map<string, ContactIndexEntry>();
  for (const entry of entries) {
    const key = JSON.stringify(entry.personId);
    byPerson.delete(key);
    byPerson.set(key, entry);
  }
  return entries.length === byPerson.size ? [...entries] : [...byPerson.values()];
}
