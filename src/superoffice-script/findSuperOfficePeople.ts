import {
  phoneWrittenForms,
  type ClassifiedParticipant,
  type CompanyCandidate,
  type MatchCandidates,
  type PersonCandidate,
} from '../core';
import {
  archiveBool,
  archiveDate,
  archiveInt,
  inList,
  quote,
  searchArchive,
  searchPhoneForms,
  type ArchiveRow,
} from './archiveQuery';
import type { SuperOfficeAgents } from './superOfficeApi';

const EMAIL = 'email/emailAddress';
const MOBILE = 'personMobilePhone/formattedNumber';
const DIRECT = 'personDirectPhone/formattedNumber';
const SEARCH_PHONE = 'searchPhone/formattedNumber';
const COMPANY_NAME = 'personContact/name';
const UPDATED = 'personUpdatedDate';
const PERSON_COLUMNS = ['personId', 'contactId', COMPANY_NAME, EMAIL, MOBILE, DIRECT, 'retired', UPDATED];

/**
 * The SuperOffice persons (and switchboard companies) that might be this participant, for `decideMatch`:
 * persons with the e-mail (one archive search); when none has it, persons with one of the participant's numbers
 * (one search) and companies with one (one search), so a switchboard number never picks a person. A number is
 * looked for in the archive's stripped search column (`searchPhone`, however it was written) and, in case that
 * column holds another form than assumed, as one of its common written forms in the mobile, direct and company
 * phone columns. At most three searches per participant, whatever the number of phones.
 */
export async function findSuperOfficeCandidates(
  agents: SuperOfficeAgents,
  participant: ClassifiedParticipant,
): Promise<MatchCandidates> {
  const persons = new Map<number, PersonCandidate>();
  if (participant.email !== undefined) {
    const rows = await searchArchive(agents, 'Person', PERSON_COLUMNS, `${EMAIL} is ${quote(participant.email)}`);
    // The restriction matched one of the person's addresses; the cell may show another, so the e-mail is ours.
    for (const row of rows) addPerson(persons, row, participant.email);
  }
  const forms = participant.phones.flatMap((phone) => phoneWrittenForms(phone.e164));
  const stripped = [...new Set(participant.phones.flatMap((phone) => searchPhoneForms(phone.e164)))];
  // decideMatch lets any e-mail hit decide, so phones are only searched when the e-mail found nobody.
  if (forms.length === 0 || persons.size > 0) return { persons: [...persons.values()] };
  // searchPhone covers every phone of the person; decideMatch then reads the mobile and direct cells (mobile
  // first), so a hit on another kind of phone (private, fax) decides nothing.
  const phoneRows = await searchArchive(
    agents,
    'Person',
    PERSON_COLUMNS,
    `${inList(SEARCH_PHONE, stripped)} or ${inList(MOBILE, forms)} or ${inList(DIRECT, forms)}`,
  );
  for (const row of phoneRows) addPerson(persons, row, undefined);

  const contactRows = await searchArchive(
    agents,
    'Contact',
    ['contactId', 'name', 'phone/formattedNumber'],
    `${inList(SEARCH_PHONE, stripped)} or ${inList('phone/formattedNumber', forms)}`,
  );
  const companies = contactRows.flatMap((row): CompanyCandidate[] => {
    const id = archiveInt(row.cells['contactId']) ?? (row.primaryKey > 0 ? row.primaryKey : undefined);
    return id === undefined ? [] : [{ id, name: row.cells['name'], mainPhone: row.cells['phone/formattedNumber'] }];
  });
  return { persons: [...persons.values()], companies };
}

function addPerson(persons: Map<number, PersonCandidate>, row: ArchiveRow, matchedEmail: string | undefined): void {
  const id = archiveInt(row.cells['personId']) ?? (row.primaryKey > 0 ? row.primaryKey : undefined);
  if (id === undefined) return;
  const known = persons.get(id);
  persons.set(id, {
    id,
    email: known?.email ?? matchedEmail ?? row.cells[EMAIL],
    mobilePhone: row.cells[MOBILE],
    phone: row.cells[DIRECT],
    companyId: archiveInt(row.cells['contactId']),
    companyName: row.cells[COMPANY_NAME],
    inactive: archiveBool(row.cells['retired']),
    updatedAt: archiveDate(row.cells[UPDATED]),
  });
}

/**
 * The associate (SuperOffice user) whose person has the presenter's e-mail: the appointment's owner. Only a
 * single associate counts.
 */
export async function findPresenterAssociate(agents: SuperOfficeAgents, email: string): Promise<number | undefined> {
  const rows = await searchArchive(agents, 'Person', ['personId'], `${EMAIL} is ${quote(email)}`, 5);
  const found: number[] = [];
  for (const row of rows) {
    const personId = archiveInt(row.cells['personId']) ?? row.primaryKey;
    const associate = await agents.associate.getAssociateByPersonIdAsync(personId);
    if (associate?.associateId && associate.associateId > 0 && !found.includes(associate.associateId)) {
      found.push(associate.associateId);
    }
  }
  return found.length === 1 ? found[0] : undefined;
}
