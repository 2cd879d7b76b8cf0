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

async function saveAppointment(
  personId: number,
  description: string,
  type = 'inDiary',
  startDate?: string,
): Promise<number> {
  const agent = new AppointmentAgent(options());
  const entity = await agent.createDefaultAppointmentEntityAsync();
  if (startDate !== undefined) {
    entity.startDate = startDate as unknown as Date;
    entity.endDate = startDate.replace(/T\d\d/u, 'T23') as unknown as Date;
  }
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

it('text holds only the first 255 characters: a token after them is not found, one within them is', async () => {
  const long = `${'x'.repeat(300)}\nDCI reference: dci-conversation:late`;
  await saveAppointment(ids.persons.anna, long);
  const early = await saveAppointment(ids.persons.anna, `DCI reference: dci-conversation:early\n${'y'.repeat(300)}`);
  expect(await search(`personId = ${ids.persons.anna} and text contains 'dci-conversation:late'`)).toEqual([]);
  const rows = await search(`personId = ${ids.persons.anna} and text contains 'dci-conversation:early'`);
  expect(rows.map((row) => row.primaryKey)).toEqual([early]);
  expect(rows[0]?.columnData?.['text']?.displayValue).toHaveLength(255);
});

it('date restricts on the start’s UTC date: date, before, after, and between (first day in, last day out)', async () => {
  const person = ids.persons.anna;
  const on14 = await saveAppointment(person, 'a', 'inDiary', '2026-01-14T22:30:00Z');
  const on15 = await saveAppointment(person, 'b', 'inDiary', '2026-01-15T09:00:00Z');
  const on17 = await saveAppointment(person, 'c', 'inDiary', '2026-01-17T00:00:00Z');
  const keys = async (restriction: string) =>
    (await search(`personId = ${person} and ${restriction}`)).map((row) => row.primaryKey ?? 0).sort((a, b) => a - b);

  expect(await keys(`date date '2026-01-15'`)).toEqual([on15]);
  expect(await keys(`date before '2026-01-15'`)).toEqual([on14]);
  expect(await keys(`date after '2026-01-15'`)).toEqual([on17]);
  expect(await keys(`date between ('2026-01-14', '2026-01-17')`)).toEqual([on14, on15]);
  expect(await keys(`date dateBetween ('2026-01-15', '2026-01-18')`)).toEqual([on15, on17]);
});

it('a date restriction other than YYYY-MM-DD with a date operator, or a date operator elsewhere → 400', async () => {
  const person = ids.persons.anna;
  for (const restriction of [
    `date = '2026-01-15'`,
    `date contains '2026'`,
    `date date '2026-01-15T09:00:00'`,
    `date date '01/15/2026'`,
    `date between ('2026-01-15')`,
    `text before '2026-01-15'`,
  ]) {
    expect([restriction, await statusOf(search(`personId = ${person} and ${restriction}`))]).toEqual([
      restriction,
      400,
    ]);
  }
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
