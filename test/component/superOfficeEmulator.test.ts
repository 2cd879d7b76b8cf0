import {
  AppointmentAgent,
  ActivityStatus,
  ArchiveAgent,
  AssociateAgent,
  ContactAgent,
  ForeignSystemAgent,
  PersonAgent,
  type ArchiveListItem,
  type WebApiOptions,
} from '@superoffice/webapi';
import {
  seedDemoData,
  startSuperOfficeEmulator,
  type DemoDataIds,
  type SuperOfficeEmulator,
} from '../../src/sandbox/superoffice';

// Error bodies and raw responses are read deep in assertions.
type Json = any;

const TOKEN = 'test-token';
const PERSON_COLUMNS = 'personId,contactId,fullName,personContact/name,email/emailAddress';

let emulator: SuperOfficeEmulator | undefined;
let ids: DemoDataIds;

function current(): SuperOfficeEmulator {
  if (emulator === undefined) throw new Error('the emulator is not running');
  return emulator;
}

beforeEach(async () => {
  emulator = await startSuperOfficeEmulator();
  ids = seedDemoData(emulator);
});

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/**
 * Explicit options for every agent, as the script must build them (spec §3.1: the static authenticate* helpers
 * leak credentials between tenants). `SO-Timezone: UTC,includeTZOffset` keeps dates independent of the test host.
 */
function options(authorization: string | null = `Bearer ${TOKEN}`, extra: Partial<WebApiOptions> = {}): WebApiOptions {
  return {
    baseUrl: current().baseUrl,
    axiosConfig: { headers: authorization === null ? {} : { Authorization: authorization } },
    timezone: 'UTC',
    timezoneInclude: true,
    ...extra,
  };
}

function searchPersons(restriction: string, entities = 'person', columns = PERSON_COLUMNS): Promise<ArchiveListItem[]> {
  return new ArchiveAgent(options()).getArchiveListByColumns2Async('Person', columns, '', restriction, entities, 0, 50);
}

function cell(row: ArchiveListItem | undefined, column: string): string | undefined {
  return row?.columnData?.[column]?.displayValue;
}

/** A carrier field the answer must have (the package types every field as optional). */
function defined<T>(value: T | undefined | null): T {
  if (value === undefined || value === null) throw new Error('expected a value');
  return value;
}

function encodedInt(value: string | undefined): number | undefined {
  const match = /^\[I:(-?\d+)\]$/u.exec(value ?? '');
  return match === null ? undefined : Number(match[1]);
}

async function rejection(promise: Promise<unknown>): Promise<{ status: number | undefined; data: Json; code: string }> {
  try {
    await promise;
  } catch (error) {
    const failure = error as { response?: { status: number; data: Json }; code?: string };
    return { status: failure.response?.status, data: failure.response?.data, code: failure.code ?? '' };
  }
  throw new Error('expected the call to fail');
}

async function post(path: string, body: string | undefined, headers: Record<string, string> = {}): Promise<Json> {
  const response = await fetch(`${current().baseUrl}/api/v1/Agents/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('SuperOffice emulator: finding persons and companies in the archive', () => {
  it('finds a person by email whatever its case, with ids the script parses from [I:n] cells', async () => {
    const rows = await searchPersons("email/emailAddress is 'ANNA.Andersson@Acme.SE'");
    expect(rows).toHaveLength(1);
    const [anna] = rows;
    expect(anna).toMatchObject({ entityName: 'person', primaryKey: ids.persons.anna });
    expect(encodedInt(cell(anna, 'personId'))).toBe(ids.persons.anna);
    expect(encodedInt(cell(anna, 'contactId'))).toBe(ids.contacts.acme);
    expect(cell(anna, 'fullName')).toBe('Anna Andersson');
    expect(cell(anna, 'personContact/name')).toBe('Acme AB');
    expect(cell(anna, 'email/emailAddress')).toBe('anna.andersson@acme.se');
  });

  it('finds both persons behind a shared email, each with its own company', async () => {
    const rows = await searchPersons("email/emailAddress = 'info@dubbel.se'");
    expect(rows.map((row) => [row.primaryKey, encodedInt(cell(row, 'contactId'))])).toEqual([
      [ids.persons.majaDubbel, ids.contacts.dubbelKonsult],
      [ids.persons.olofDubbel, ids.contacts.dubbelBygg],
    ]);
  });

  it('finds a person by mobile phone with an in (...) list of formats, and by direct phone via searchPhone', async () => {
    const byMobile = await searchPersons(
      "personMobilePhone/formattedNumber in ('+46761112233', '+46 (0)76 111 22 33')",
      'person',
      'personId,personMobilePhone/formattedNumber',
    );
    expect(byMobile.map((row) => row.primaryKey)).toEqual([ids.persons.lars]);
    expect(cell(byMobile[0], 'personMobilePhone/formattedNumber')).toBe('+46 (0)76 111 22 33');

    const bySearchPhone = await searchPersons(
      "searchPhone/formattedNumber oneOf ('46855500000')",
      'person',
      'personId,searchPhone/formattedNumber',
    );
    expect(bySearchPhone.map((row) => row.primaryKey)).toEqual([ids.persons.pia]);
    expect(cell(bySearchPhone[0], 'searchPhone/formattedNumber')).toBe('08-555 000 00');
    // The stripped column is compared with its own form only: a written number finds nobody.
    expect(await searchPersons("searchPhone/formattedNumber oneOf ('08-555 000 00', '0855500000')")).toEqual([]);
  });

  it('finds a company by its main phone, the same switchboard number a receptionist has', async () => {
    const archive = new ArchiveAgent(options());
    const companies = await archive.getArchiveListByColumns2Async(
      'Contact',
      'contactId,name,phone/formattedNumber',
      '',
      "phone/formattedNumber is '08-555 000 00'",
      'contact',
      0,
      10,
    );
    expect(companies).toHaveLength(1);
    expect(companies[0]).toMatchObject({ entityName: 'contact', primaryKey: ids.contacts.acme });
    expect(cell(companies[0], 'name')).toBe('Acme AB');
    expect(cell(companies[0], 'phone/formattedNumber')).toBe('08-555 000 00');
  });

  it('combines clauses with or and and, and binding tighter, parentheses regrouping', async () => {
    const acme = ids.contacts.acme;
    const loose = await searchPersons(
      `email/emailAddress is 'anna.andersson@acme.se' or email/emailAddress is 'erik.ek@fjallbo.se' and contactId = ${acme}`,
    );
    expect(loose.map((row) => row.primaryKey)).toEqual([ids.persons.anna]);

    const either = await searchPersons(
      "email/emailAddress is 'anna.andersson@acme.se' or email/emailAddress is 'erik.ek@fjallbo.se'",
    );
    expect(either.map((row) => row.primaryKey)).toEqual([ids.persons.anna, ids.persons.erik]);

    const grouped = await searchPersons(
      `(email/emailAddress is 'erik.ek@fjallbo.se' or lastName begins 'Öb') and contactId = ${acme}`,
    );
    expect(grouped.map((row) => row.primaryKey)).toEqual([ids.persons.lars]);
  });

  it('matches a quote escaped with a backslash, and contains searches inside values', async () => {
    const conor = current().addPerson({ firstname: 'Conor', lastname: "O'Brien", contactId: ids.contacts.acme });
    expect((await searchPersons("lastName is 'o\\'brien'")).map((row) => row.primaryKey)).toEqual([conor]);
    expect((await searchPersons("fullName contains 'brien'")).map((row) => row.primaryKey)).toEqual([conor]);
  });

  it('leaves a former employee out when only the person entity is asked for', async () => {
    const restriction = "email/emailAddress is 'gunnar.gammal@acme.se'";
    expect(await searchPersons(restriction, 'person')).toEqual([]);
    const all = await searchPersons(restriction, '', 'personId,retired');
    expect(all).toHaveLength(1);
    expect(all[0]?.entityName).toBe('retiredPerson');
    expect(cell(all[0], 'retired')).toBe('[I:1]');
  });

  it('shows the date a person was last updated as an encoded UTC date, for picking the newest match', async () => {
    const person = current().addPerson({
      firstname: 'Nina',
      emails: ['nina@example.se'],
      updatedDate: '2026-03-04T05:06:07Z',
    });
    const rows = await searchPersons(`personId = ${person}`, 'person', 'personUpdatedDate');
    expect(cell(rows[0], 'personUpdatedDate')).toBe('[D:03/04/2026 05:06:07.0000000]');
  });

  it('pages through the matches in primary key order, or in the order asked for', async () => {
    const archive = new ArchiveAgent(options());
    const page = (number: number, sortOrder = '') =>
      archive.getArchiveListByColumns2Async(
        'Person',
        'personId',
        sortOrder,
        `contactId = ${ids.contacts.acme}`,
        '',
        number,
        2,
      );
    const { anna, lars, pia, retiredGunnar } = ids.persons;
    expect((await page(0)).map((row) => row.primaryKey)).toEqual([anna, lars]);
    expect((await page(1)).map((row) => row.primaryKey)).toEqual([pia, retiredGunnar]);
    expect(await page(2)).toEqual([]);
    expect((await page(0, 'firstName desc')).map((row) => row.primaryKey)).toEqual([pia, lars]);
  });

  it('refuses a search without a restriction with 400, as archives throw', async () => {
    const failure = await rejection(searchPersons(''));
    expect(failure.status).toBe(400);
    expect(failure.data.Message).toMatch(/no restrictions/u);
    expect(failure.data.ExceptionType).toEqual(expect.any(String));
  });

  it('refuses an unknown column or a malformed restriction with a 400 that names the problem', async () => {
    const unknown = await rejection(searchPersons("emailAddress is 'x@y.se'"));
    expect(unknown).toMatchObject({
      status: 400,
      data: { Message: 'The Person archive has no column "emailAddress".' },
    });
    const guessed = await rejection(searchPersons('personId = 1', 'person', 'personId,contactName'));
    expect(guessed.data.Message).toBe(
      'The Person archive has no column "contactName". Did you mean "personContact/name"?',
    );
    const malformed = await rejection(searchPersons("email/emailAddress is 'unterminated"));
    expect(malformed.status).toBe(400);
    expect(malformed.data.Message).toMatch(/not closed/u);
  });
});

describe('SuperOffice emulator: authentication', () => {
  it('answers 401 without an Authorization header or with an unknown token, and serves no data', async () => {
    const withoutToken = await rejection(
      new ArchiveAgent(options(null)).getArchiveListByColumns2Async('Person', 'personId', '', 'personId = 1', '', 0, 1),
    );
    expect(withoutToken.status).toBe(401);
    expect(withoutToken.data).toMatchObject({ ExceptionType: 'SoSecurityException', Message: expect.any(String) });
    const wrongToken = await rejection(new AppointmentAgent(options('Bearer nope')).getTaskListItemsAsync(false));
    expect(wrongToken.status).toBe(401);
  });

  it('accepts a SOTicket as well as a Bearer token, and turns a revoked ticket into a 401', async () => {
    const agent = new AppointmentAgent(options(`SOTicket ${TOKEN}`));
    expect(await agent.getTaskListItemsAsync(false)).toHaveLength(4);
    current().setTokens(['rotated']);
    expect((await rejection(agent.getTaskListItemsAsync(false))).status).toBe(401);
  });
});

describe('SuperOffice emulator: follow-ups', () => {
  it('lists the active task list items as typed carriers, and the deleted one only on request', async () => {
    const agent = new AppointmentAgent(options());
    const active = await agent.getTaskListItemsAsync(false);
    expect(active.map((task) => task.value)).toEqual(['Meeting', 'Phone', 'Note', 'Other']);
    expect(active[0]).toMatchObject({
      taskListItemId: ids.tasks.meeting,
      type: 'Appointment',
      direction: 'Unknown',
      deleted: false,
    });
    const all = await agent.getTaskListItemsAsync(true);
    expect(all.find((task) => task.deleted)).toMatchObject({ taskListItemId: ids.tasks.deletedMeeting });
  });

  it('saves a default appointment with owner, company, person and task, and reads it back with the same ids', async () => {
    const agent = new AppointmentAgent(options());
    const entity = await agent.createDefaultAppointmentEntityAsync();
    expect(entity).toMatchObject({ appointmentId: 0, type: 'inDiary', completed: 'NotStarted', private: 'Public' });
    expect(entity.task?.taskListItemId).toBe(ids.tasks.meeting);
    // Owned by the API user: the first associate seeded.
    expect(entity.associate?.associateId).toBe(ids.associates.sara);

    entity.title = 'Quarterly review';
    entity.description = 'Summary: Anna wants a quote.\nRecording: https://dci.example/r/1';
    entity.location = 'Teams';
    entity.startDate = new Date('2026-10-01T08:00:00Z');
    entity.endDate = new Date('2026-10-01T08:45:00Z');
    entity.completed = ActivityStatus.Completed;
    entity.associate = { associateId: ids.associates.sara };
    entity.contact = { contactId: ids.contacts.acme };
    entity.person = { personId: ids.persons.anna };
    entity.task = { taskListItemId: ids.tasks.meeting };
    const saved = await agent.saveAppointmentEntityAsync(entity);
    expect(saved.appointmentId).toBeGreaterThan(0);

    const read = await agent.getAppointmentEntityAsync(defined(saved.appointmentId));
    expect(read).toMatchObject({
      appointmentId: saved.appointmentId,
      title: 'Quarterly review',
      description: 'Summary: Anna wants a quote.\nRecording: https://dci.example/r/1',
      location: 'Teams',
      completed: 'Completed',
      type: 'inDiary',
      associate: { associateId: ids.associates.sara, fullName: 'Sara Säljare' },
      contact: { contactId: ids.contacts.acme, name: 'Acme AB' },
      person: { personId: ids.persons.anna, fullName: 'Anna Andersson', contactId: ids.contacts.acme },
      task: { taskListItemId: ids.tasks.meeting, value: 'Meeting' },
    });
    expect(read.startDate?.toISOString()).toBe('2026-10-01T08:00:00.000Z');
    expect(read.endDate?.toISOString()).toBe('2026-10-01T08:45:00.000Z');
    expect(current().appointments()).toEqual([
      expect.objectContaining({
        appointmentId: saved.appointmentId,
        associateId: ids.associates.sara,
        contactId: ids.contacts.acme,
        personId: ids.persons.anna,
        taskListItemId: ids.tasks.meeting,
        startDate: '2026-10-01T08:00:00.000Z',
        completed: 'Completed',
      }),
    ]);
  });

  it('refuses an appointment that points at a person who does not exist, and stores nothing', async () => {
    const agent = new AppointmentAgent(options());
    const entity = await agent.createDefaultAppointmentEntityAsync();
    entity.associate = { associateId: ids.associates.sara };
    entity.person = { personId: 99999 };
    const failure = await rejection(agent.saveAppointmentEntityAsync(entity));
    expect(failure).toMatchObject({ status: 400, data: { Message: 'There is no person with id 99999.' } });
    expect(current().appointments()).toEqual([]);
  });

  it('refuses an appointment without an owner or with a deleted task', async () => {
    const agent = new AppointmentAgent(options());
    const entity = await agent.createDefaultAppointmentEntityAsync();
    entity.associate = { associateId: 0 };
    expect((await rejection(agent.saveAppointmentEntityAsync(entity))).data.Message).toMatch(/owner/u);
    entity.associate = { associateId: ids.associates.sara };
    entity.task = { taskListItemId: ids.tasks.deletedMeeting };
    expect((await rejection(agent.saveAppointmentEntityAsync(entity))).data.Message).toMatch(/deleted/u);
  });

  it('reads a missing appointment as null', async () => {
    expect(await new AppointmentAgent(options()).getAppointmentEntityAsync(424242)).toBeNull();
  });
});

describe('SuperOffice emulator: associates, foreign keys, new companies and persons', () => {
  it("finds the associate behind a user's person, and null for a customer's person", async () => {
    const agent = new AssociateAgent(options());
    expect(await agent.getAssociateByPersonIdAsync(ids.persons.sara)).toMatchObject({
      associateId: ids.associates.sara,
      name: 'SARA',
      personId: ids.persons.sara,
      fullName: 'Sara Säljare',
      type: 'InternalAssociate',
      deleted: false,
    });
    expect(await agent.getAssociateByPersonIdAsync(ids.persons.anna)).toBeNull();
  });

  it('finds a foreign key by its value after adding it, updates it on a second add, and finds nothing for another value', async () => {
    const agent = new ForeignSystemAgent(options());
    const app = await agent.saveForeignAppEntityAsync({ foreignAppId: 0, name: 'DCI CRM Companion' });
    await agent.saveForeignDeviceAsync(
      { foreignDeviceId: 0, name: 'superoffice-script', deviceIdentifier: '', foreignAppId: app.foreignAppId ?? 0 },
      'DCI CRM Companion',
    );
    const added = await agent.addForeignKeyAsync(
      { key: 'conversationId', value: 'conv-1', recordId: 301, tableName: 'appointment' },
      'DCI CRM Companion',
      'superoffice-script',
      '',
    );
    expect(added).toMatchObject({ key: 'conversationId', value: 'conv-1', recordId: 301, tableName: 'appointment' });

    const found = await agent.getKeyByValueAsync(
      'DCI CRM Companion',
      'superoffice-script',
      'conversationId',
      'conv-1',
      'appointment',
    );
    expect(found).toMatchObject({ recordId: 301, value: 'conv-1' });
    expect(
      await agent.getKeyByValueAsync(
        'DCI CRM Companion',
        'superoffice-script',
        'conversationId',
        'conv-2',
        'appointment',
      ),
    ).toBeNull();

    await agent.addForeignKeyAsync(
      { key: 'conversationId', value: 'conv-1b', recordId: 301, tableName: 'appointment' },
      'DCI CRM Companion',
      'superoffice-script',
      '',
    );
    expect(current().foreignKeys()).toEqual([
      expect.objectContaining({ value: 'conv-1b', recordId: 301, applicationName: 'DCI CRM Companion' }),
    ]);
  });

  it('creates a company and a person through the agents, and the archive finds the person afterwards', async () => {
    const contacts = new ContactAgent(options());
    const company = await contacts.createDefaultContactEntityAsync();
    expect(company.contactId).toBe(0);
    company.name = 'Nya Kunden AB';
    company.phones = [{ value: '040-12 12 12' }];
    const savedCompany = await contacts.saveContactEntityAsync(company);
    expect(savedCompany).toMatchObject({ name: 'Nya Kunden AB', phones: [{ value: '040-12 12 12' }] });
    expect(savedCompany.contactId).toBeGreaterThan(0);

    const persons = new PersonAgent(options());
    const person = await persons.createDefaultPersonEntityAsync();
    expect(person.personId).toBe(0);
    person.firstname = 'Ny';
    person.lastname = 'Kund';
    person.contact = { contactId: defined(savedCompany.contactId) };
    person.emails = [{ value: 'ny.kund@nyakunden.se' }];
    person.mobilePhones = [{ value: '070-000 11 22' }];
    const savedPerson = await persons.savePersonEntityAsync(person);
    expect(savedPerson).toMatchObject({
      firstname: 'Ny',
      lastname: 'Kund',
      fullName: 'Ny Kund',
      contact: { contactId: savedCompany.contactId, name: 'Nya Kunden AB' },
      emails: [{ value: 'ny.kund@nyakunden.se' }],
      mobilePhones: [{ value: '070-000 11 22', strippedValue: '0700001122' }],
      isAssociate: false,
    });

    const rows = await searchPersons("email/emailAddress is 'ny.kund@nyakunden.se'");
    expect(rows.map((row) => [row.primaryKey, encodedInt(cell(row, 'contactId'))])).toEqual([
      [savedPerson.personId, savedCompany.contactId],
    ]);
  });

  it('refuses a company without a name with 400', async () => {
    const contacts = new ContactAgent(options());
    const failure = await rejection(contacts.saveContactEntityAsync(await contacts.createDefaultContactEntityAsync()));
    expect(failure).toMatchObject({ status: 400, data: { Message: 'A company needs a name.' } });
  });
});

describe('SuperOffice emulator: the wire', () => {
  it("writes appointment times in SO-Timezone's zone, else as the tenant's base-zone wall time, with an offset only when asked", async () => {
    const appointments = new AppointmentAgent(options());
    const entity = await appointments.createDefaultAppointmentEntityAsync();
    entity.associate = { associateId: ids.associates.sara };
    entity.startDate = new Date('2026-10-01T08:00:00Z');
    entity.endDate = new Date('2026-10-01T09:00:00Z');
    const { appointmentId } = await appointments.saveAppointmentEntityAsync(entity);
    const path = `Appointment/GetAppointmentEntity?appointmentEntityId=${appointmentId}`;
    // The emulated tenant's base time zone is Europe/Stockholm (CEST in October).
    expect((await post(path, 'null')).body.StartDate).toBe('2026-10-01T10:00:00');
    expect((await post(path, 'null', { 'SO-Timezone': 'includeTZOffset' })).body.StartDate).toBe(
      '2026-10-01T10:00:00+02:00',
    );
    expect((await post(path, 'null', { 'SO-Timezone': 'UTC,includeTZOffset' })).body.StartDate).toBe(
      '2026-10-01T08:00:00Z',
    );
  });

  it('reads request properties in any case, so PascalCase bodies work too', async () => {
    const answer = await post('Associate/GetAssociateByPersonId', JSON.stringify({ PersonId: ids.persons.petra }));
    expect(answer).toMatchObject({
      status: 200,
      body: { AssociateId: ids.associates.petra, Type: 'InternalAssociate' },
    });
  });

  it('answers 404 for an unknown agent or method, and 400 for a body that is not JSON', async () => {
    expect((await post('Nothing/GetThing', '{}')).status).toBe(404);
    expect((await post('Archive/GetNothing', '{}')).status).toBe(404);
    const malformed = await post('Archive/GetArchiveListByColumns2', '{"providerName": ');
    expect(malformed).toMatchObject({ status: 400, body: { Message: 'The request body is not valid JSON.' } });
  });

  it('answers 404 for another tenant and 405 for an agent method called with GET', async () => {
    const headers = { authorization: `Bearer ${TOKEN}` };
    const otherTenant = current().baseUrl.replace(/Cust12345$/u, 'Cust99999');
    const wrongTenant = await fetch(`${otherTenant}/api/v1/Agents/Appointment/GetTaskListItems`, {
      method: 'POST',
      headers,
    });
    expect(wrongTenant.status).toBe(404);
    const get = await fetch(`${current().baseUrl}/api/v1/Agents/Appointment/GetTaskListItems`, { headers });
    expect(get.status).toBe(405);
  });

  it('logs each call with its path, body, status and token, until cleared', async () => {
    await searchPersons("email/emailAddress is 'anna.andersson@acme.se'");
    expect(current().requests).toEqual([
      {
        method: 'POST',
        path: '/api/v1/Agents/Archive/GetArchiveListByColumns2',
        query: '',
        body: {
          providerName: 'Person',
          columns: PERSON_COLUMNS,
          sortOrder: '',
          restrictions: "email/emailAddress is 'anna.andersson@acme.se'",
          entities: 'person',
          page: 0,
          pageSize: 50,
        },
        status: 200,
        token: TOKEN,
      },
    ]);
    current().clearRequests();
    expect(current().requests).toEqual([]);
  });
});

describe('SuperOffice emulator: faults', () => {
  it('fails one call with an injected 503 and answers the next normally', async () => {
    current().failNext(1, { kind: 'status', status: 503, retryAfterSec: 2 });
    const agent = new AppointmentAgent(options());
    const failure = await rejection(agent.getTaskListItemsAsync(false));
    expect(failure.status).toBe(503);
    expect(await agent.getTaskListItemsAsync(false)).toHaveLength(4);
    expect(current().requests.map((entry) => entry.status)).toEqual([503, 200]);
  });

  it('rejects the call when the connection is dropped, and logs status 0', async () => {
    current().failNext(1, { kind: 'drop' });
    const failure = await rejection(new AssociateAgent(options()).getAssociateByPersonIdAsync(ids.persons.sara));
    expect(failure.status).toBeUndefined();
    expect(failure.code).toBe('ECONNRESET');
    expect(current().requests.map((entry) => entry.status)).toEqual([0]);
  });

  it('lets a client with a shorter timeout give up on a delayed answer', async () => {
    current().failNext(1, { kind: 'delay', ms: 5_000 });
    const impatient = new AssociateAgent(
      options(null, { axiosConfig: { headers: { Authorization: `Bearer ${TOKEN}` }, timeout: 50 } }),
    );
    const failure = await rejection(impatient.getAssociateByPersonIdAsync(ids.persons.sara));
    expect(failure).toMatchObject({ status: undefined, code: 'ECONNABORTED' });
  });
});
