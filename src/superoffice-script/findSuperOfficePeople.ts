import {
  companyDomainOf,
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
  /** Given when company notes are on: an e-mail nobody has gets its domain's persons searched too. */
  companyDomains?: { internalDomains: readonly string[] },
): Promise<MatchCandidates> {
  const persons = new Map<number, PersonCandidate>();
  if (participant.email !== undefined) {
    const rows = await searchArchive(agents, 'Person', PERSON_COLUMNS, `${EMAIL} is ${quote(participant.email)}`);
    // The restriction matched one of the person's addresses; the cell may show another, so the e-mail is ours.
    for (const row of rows) addPerson(persons, row, participant.email);
  }
  const forms = participant.phones.flatMap((phone) => phoneWrittenForms(phone.e164));
  const stripped = [...new Set(participant.phones.flatMap((phone) => searchPhoneForms(phone.e164)))];
  // decideMatch lets any e-mail hit decide, so phones and the domain are only searched when the e-mail found nobody.
  const domain =
    companyDomains === undefined || participant.email === undefined || persons.size > 0
      ? undefined
      : companyDomainOf(participant.email, companyDomains.internalDomains);
  const atDomain = domain === undefined ? undefined : await findDomainPersons(agents, domain, persons);
  const domainsSearched = atDomain === 'searched' && domain !== undefined ? [domain] : [];
  if (forms.length === 0 || (persons.size > 0 && atDomain === undefined)) {
    return { persons: [...persons.values()], domainsSearched };
  }
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
  return { persons: [...persons.values()], companies, domainsSearched };
}

/**
 * More persons than this at one e-mail domain and the domain is left undecided (a company by domain needs every
 * person there, and a big employer's domain is not worth pages of persons).
 */
export const MAX_DOMAIN_PERSONS = 400;

/**
 * The persons whose e-mail is at `domain`, added to `persons` (one archive search): `email/emailAddress contains
 * '@acme.se'` — the archive's string operators are begins, contains, is … and none ends a string [verified:
 * SuperOfficeDocs `docs/en/api/search/odata/strings.md`, specs/superoffice.md §3.2], so each address is then
 * checked to end with `@domain` here. Case: an archive string search ignoring case is [assumption], as the e-mail
 * search already assumes. `searched` when every such person was read (fewer than a page of MAX_DOMAIN_PERSONS + 1).
 * Retired persons: the Person provider's default rows [assumption: include retired ones, entity `retiredPerson`].
 */
async function findDomainPersons(
  agents: SuperOfficeAgents,
  domain: string,
  persons: Map<number, PersonCandidate>,
): Promise<'searched' | 'undecided'> {
  const rows = await searchArchive(
    agents,
    'Person',
    PERSON_COLUMNS,
    `${EMAIL} contains ${quote(`@${domain}`)}`,
    MAX_DOMAIN_PERSONS + 1,
  );
  if (rows.length > MAX_DOMAIN_PERSONS) return 'undecided';
  const emails = rows.map((row) => row.cells[EMAIL]?.toLowerCase());
  // A person with several addresses may show another one in the cell, and `contains` also finds @acme.se.example:
  // a row whose shown address is not at the domain leaves the domain undecided rather than guessed.
  if (emails.some((email) => email?.endsWith(`@${domain}`) !== true)) return 'undecided';
  rows.forEach((row, index) => addPerson(persons, row, emails[index]));
  return 'searched';
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
