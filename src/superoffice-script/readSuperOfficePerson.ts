import type { PersonTarget } from '../core';
import type { SuperOfficeAgents } from './superOfficeApi';

/**
 * One SuperOffice person by id, with their company (contact), for an admin's assignment; undefined when there is no
 * such person. `PersonAgent.getPersonEntityAsync(id)` (`POST v1/Agents/Person/GetPersonEntity?personEntityId=`)
 * [verified: shared/specs/superoffice.md, @superoffice/webapi PersonAgent.d.ts]; a missing person read as `null`
 * or an entity with id 0 [assumption: NetServer answers null for a missing row, as the emulator does]. A retired
 * person is refused like a missing one [assumption: matching never writes on them either].
 */
export async function readSuperOfficePerson(
  agents: SuperOfficeAgents,
  personId: number,
): Promise<PersonTarget | undefined> {
  if (!Number.isSafeInteger(personId) || personId <= 0) return undefined;
  const person = (await agents.person.getPersonEntityAsync(personId)) as
    { personId?: number; retired?: boolean; contact?: { contactId?: number } | null } | null | undefined;
  if (person === null || person === undefined || person.personId !== personId || person.retired === true) {
    return undefined;
  }
  const contactId = person.contact?.contactId;
  return { personId, companyId: contactId === undefined || contactId <= 0 ? undefined : contactId };
}
