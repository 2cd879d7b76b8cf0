// The endpoint script runs the same adapter: a save SuperOffice stored whose answer the script never got fails the
// run, and DCI's re-send must update that appointment, not write a second. The script cannot know whether an earlier
// run saved anything, so it searches whenever a person has no foreign key (findUnkeyedAppointment.ts).
import { seedDemoData, startSuperOfficeEmulator, type SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { loadFixture } from '../support/payloads';
import { buildSuperOfficeScript, runScript, webApiFor, withConfig } from '../support/superOfficeScript';

const TOKEN = 'test-token';
let script: string;
let so: SuperOfficeEmulator;
let ids: ReturnType<typeof seedDemoData>;

beforeAll(() => {
  script = withConfig(buildSuperOfficeScript(), 'internalDomains', "['seller.se']");
});
beforeEach(async () => {
  so = await startSuperOfficeEmulator({ tokens: [TOKEN] });
  ids = seedDemoData(so);
});
afterEach(() => so.close());

const run = (payload: unknown) => runScript(script, webApiFor(so.baseUrl, TOKEN), { body: JSON.stringify(payload) });
const searches = () => so.requests.filter((request) => JSON.stringify(request.body ?? '').includes('DiaryAppointment'));

it('a save stored but its answer lost → the run fails; the re-send updates it: one appointment and one key each', async () => {
  let saves = 0;
  so.failWhen((request) => request.path.endsWith('/SaveAppointmentEntity') && ++saves === 2, { kind: 'lose_answer' });
  const payload = loadFixture('meeting-with-colleagues');
  const first = await run(payload);
  expect(first.status).toBe(500);
  expect(so.appointments()).toHaveLength(2);

  so.clearRequests();
  const resend = await run(payload);
  expect(resend.status).toBe(200);
  const appointments = so.appointments();
  expect(appointments.map((appointment) => appointment.personId).sort()).toEqual(
    [ids.persons.anna, ids.persons.lars].sort(),
  );
  const keys = so.foreignKeys().filter((key) => key.tableName === 'appointment');
  expect(keys.map((key) => key.recordId).sort()).toEqual(appointments.map((a) => a.appointmentId).sort());
  // One search, for the person whose key was never written; the keyed one is found by its key.
  expect(searches()).toHaveLength(1);

  // Both keyed now: a third send searches for nobody.
  so.clearRequests();
  expect((await run(payload)).status).toBe(200);
  expect(searches()).toHaveLength(0);
  expect(so.appointments()).toHaveLength(2);
});
