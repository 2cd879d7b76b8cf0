import { normalizeCompanyName, type ClassifiedParticipant, type CreatedContact } from '../core';
import { archiveInt, quote, searchArchive } from './archiveQuery';
import type { SuperOfficeAgents } from './superOfficeApi';

/**
 * "Create contact in CRM" for SuperOffice, as on the Lime side: the company by its normalized name (a unique
 * match; none → create it; several → the person without a company), then the person with e-mail and phones.
 */
export async function createSuperOfficeContact(
  agents: SuperOfficeAgents,
  participant: ClassifiedParticipant,
  /** A company already certain (the e-mail's domain is its): neither looked up by name nor created. */
  atContactId?: number,
): Promise<CreatedContact> {
  const company =
    atContactId === undefined
      ? await resolveContact(agents, participant.company)
      : {
          contactId: atContactId,
          created: false,
          trace: `person created at contact ${atContactId} (its e-mail domain)`,
        };
  const person = await agents.person.createDefaultPersonEntityAsync();
  person.firstname = participant.firstName ?? participant.email?.slice(0, participant.email.indexOf('@')) ?? 'Unknown';
  if (participant.lastName !== undefined) person.lastname = participant.lastName;
  if (company.contactId !== undefined) person.contact = { contactId: company.contactId };
  if (participant.email !== undefined) person.emails = [{ value: participant.email }];
  const mobile = participant.phones.find((phone) => phone.field === 'mobile_phone' || phone.type === 'mobile');
  const office = participant.phones.find((phone) => phone.field === 'phone' && phone !== mobile);
  if (mobile) person.mobilePhones = [{ value: mobile.e164 }];
  if (office) person.officePhones = [{ value: office.e164 }];
  const saved = await agents.person.savePersonEntityAsync(person);
  return {
    personId: saved.personId ?? 0,
    companyId: company.contactId,
    companyCreated: company.created,
    trace: company.trace,
  };
}

async function resolveContact(
  agents: SuperOfficeAgents,
  name: string | undefined,
): Promise<{ contactId?: number | undefined; created: boolean; trace: string }> {
  const key = name === undefined ? '' : normalizeCompanyName(name);
  if (name === undefined || key === '') return { created: false, trace: 'no company name → person without company' };
  const [firstWord = key] = key.split(' ');
  const rows = await searchArchive(agents, 'Contact', ['contactId', 'name'], `name contains ${quote(firstWord)}`, 200);
  const same = rows.filter((row) => normalizeCompanyName(row.cells['name'] ?? '') === key);
  const [only] = same;
  if (same.length === 1 && only) {
    const contactId = archiveInt(only.cells['contactId']) ?? only.primaryKey;
    return { contactId, created: false, trace: `company name → contact ${contactId} (unique)` };
  }
  if (same.length > 1) {
    const ids = same.map((row) => String(archiveInt(row.cells['contactId']) ?? row.primaryKey)).join(', ');
    return { created: false, trace: `company name matches ${same.length} contacts (${ids}) → person without company` };
  }
  const contact = await agents.contact.createDefaultContactEntityAsync();
  contact.name = name;
  const saved = await agents.contact.saveContactEntityAsync(contact);
  return {
    contactId: saved.contactId,
    created: true,
    trace: `company name → 0 hits → contact ${String(saved.contactId)} created`,
  };
}
