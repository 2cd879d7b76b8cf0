// The emulator's DiaryAppointment and Document archives (what the adapter's searches for unkeyed records use), as strict as
// the docs allow: documented columns only, diary appointments only, the Select right on appointments.
import { AppointmentAgent, ArchiveAgent, DocumentAgent, type WebApiOptions } from '@superoffice/webapi';
import { seedDemoData, startSuperOfficeEmulator, type SuperOfficeEmulator } from '../../src/sandbox/superoffice';

let so: SuperOfficeEmulator;
let ids: ReturnType<typeof seedDemoData>;

beforeEach(async () => {
  so = await startSuperOfficeEmulator();
  ids = seedDemoData(so);
});
afterEach(() => so.close());

const options = (): WebApiOptions => ({
  baseUrl: so.baseUrl,
  axiosConfig: { headers: { Authorization: 'Bearer test-token' } },
  timezone: 'UTC',
  timezoneInclude: true,
});

async function saveAppointment(personId: number, description: string, type = 'inDiary'): Promise<number> {
  const agent = new AppointmentAgent(options());
  const entity = await agent.createDefaultAppointmentEntityAsync();
  entity.person = { personId };
  entity.task = { taskListItemId: ids.tasks.meeting };
  entity.description = description;
  entity.type = type as NonNullable<typeof entity.type>;
  return (await agent.saveAppointmentEntityAsync(entity)).appointmentId ?? 0;
}

const search = (restriction: string, columns = 'appointmentId,personId,text') =>
  new ArchiveAgent(options()).getArchiveListByColumns2Async('DiaryAppointment', columns, '', restriction, '', 0, 10);

const statusOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 200,
    (error: { response?: { status?: number; data?: { Message?: string } } }) => error.response?.status,
  );

it('finds a diary appointment by person and a token in its text; other persons, texts and types are not rows', async () => {
  const ours = await saveAppointment(ids.persons.anna, 'Summary\nDCI reference: dci-conversation:abc');
  await saveAppointment(ids.persons.lars, 'Summary\nDCI reference: dci-conversation:abc');
  await saveAppointment(ids.persons.anna, 'Another meeting');
  await saveAppointment(ids.persons.anna, 'DCI reference: dci-conversation:abc (a task)', 'inChecklist');
  const rows = await search(`personId = ${ids.persons.anna} and text contains 'dci-conversation:abc'`);
  expect(rows.map((row) => row.primaryKey)).toEqual([ours]);
  expect(rows[0]?.columnData?.['appointmentId']?.displayValue).toBe(`[I:${ours}]`);
});

it('an undocumented column → 400; without the Select right on appointments → 403', async () => {
  expect(await statusOf(search(`personId = ${ids.persons.anna}`, 'appointmentId,description'))).toBe(400);
  expect(await statusOf(search(`description contains 'x'`))).toBe(400);
  so.setNewTableRight('appointment', ['Insert', 'Update', 'Delete']);
  expect(await statusOf(search(`personId = ${ids.persons.anna}`))).toBe(403);
});

it('Document archive: by person and the beginning of the file name; needs the Select right on documents', async () => {
  const documents = new DocumentAgent(options());
  const entity = await documents.createDefaultDocumentEntityAsync();
  entity.header = 'Summary';
  entity.name = 'dci-summary-abc.txt';
  entity.person = { personId: ids.persons.anna };
  const saved = await documents.saveDocumentEntityAsync(entity);
  const archive = new ArchiveAgent(options());
  const find = (restriction: string) =>
    archive.getArchiveListByColumns2Async('Document', 'documentId,name', '', restriction, '', 0, 10);
  expect(
    (await find(`personId = ${ids.persons.anna} and name begins 'dci-summary-abc'`)).map((row) => row.primaryKey),
  ).toEqual([saved.documentId]);
  expect(await find(`personId = ${ids.persons.lars} and name begins 'dci-summary-abc'`)).toEqual([]);
  so.setNewTableRight('document', ['Insert', 'Update', 'Delete']);
  expect(await statusOf(find(`personId = ${ids.persons.anna}`))).toBe(403);
});
