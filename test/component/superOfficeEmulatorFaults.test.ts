// The emulator's faults around a request's real work (the facility the lost-answer and crash tests stand on): a
// save stored and its answer lost, answered late, or held until the test answers or drops it.
import { AppointmentAgent, type WebApiOptions } from '@superoffice/webapi';
import {
  seedDemoData,
  startSuperOfficeEmulator,
  type DemoDataIds,
  type SuperOfficeEmulator,
  type SuperOfficeRequestView,
} from '../../src/sandbox/superoffice';

let so: SuperOfficeEmulator;
let ids: DemoDataIds;

beforeEach(async () => {
  so = await startSuperOfficeEmulator();
  ids = seedDemoData(so);
});
afterEach(async () => {
  await so.close();
});

const isSave = (request: SuperOfficeRequestView) => request.path.endsWith('/Appointment/SaveAppointmentEntity');

function agent(timeoutMs = 2_000): AppointmentAgent {
  const options: WebApiOptions = {
    baseUrl: so.baseUrl,
    axiosConfig: { headers: { Authorization: 'Bearer test-token' }, timeout: timeoutMs },
    timezone: 'UTC',
    timezoneInclude: true,
  };
  return new AppointmentAgent(options);
}

/** Saves one completed appointment for Anna; resolves with its id or rejects with the client's error. */
async function saveOne(appointments = agent()): Promise<number> {
  const entity = await appointments.createDefaultAppointmentEntityAsync();
  entity.person = { personId: ids.persons.anna };
  entity.task = { taskListItemId: ids.tasks.meeting };
  entity.description = 'Notes';
  const saved = await appointments.saveAppointmentEntityAsync(entity);
  return saved.appointmentId ?? 0;
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => 'answered',
    (error: unknown) => (error as { code?: string }).code ?? String(error),
  );

describe('faults around the real work', () => {
  it('lose_answer: the save is stored, the connection cut (logged as 0), only the matching request is hit', async () => {
    so.failWhen(isSave, { kind: 'lose_answer' });
    expect(await rejection(saveOne())).toMatch(/ECONNRESET|socket hang up/u);
    expect(so.appointments()).toHaveLength(1);
    expect(so.requests.map((request) => request.status)).toEqual([200, 0]);
    // Used up: the next save is answered.
    expect(await saveOne()).toBeGreaterThan(0);
  });

  it('answer_late: the save is stored at once, its answer comes after the client gave up', async () => {
    so.failWhen(isSave, { kind: 'answer_late', ms: 1_000 });
    expect(await rejection(saveOne(agent(200)))).toBe('ECONNABORTED');
    expect(so.appointments()).toHaveLength(1);
  });

  it('hold after handling: stored when reached; released → answered with its id, dropped → no answer', async () => {
    const held = so.hold(isSave, 'after_handling');
    const first = saveOne();
    await held.reached;
    expect(so.appointments()).toHaveLength(1);
    held.release();
    expect(await first).toBe(so.appointments()[0]?.appointmentId);

    const dropped = so.hold(isSave, 'after_handling');
    const second = rejection(saveOne());
    await dropped.reached;
    dropped.drop();
    expect(await second).toMatch(/ECONNRESET|socket hang up/u);
    expect(so.appointments()).toHaveLength(2);
  });

  it('hold before handling: nothing stored while held; dropped → never stored', async () => {
    const held = so.hold(isSave);
    const save = rejection(saveOne());
    await held.reached;
    expect(so.appointments()).toHaveLength(0);
    held.drop();
    expect(await save).toMatch(/ECONNRESET|socket hang up/u);
    expect(so.appointments()).toHaveLength(0);
  });

  it('closing the emulator drops a request still held (close does not wait for the test)', async () => {
    const held = so.hold(isSave, 'after_handling');
    const save = rejection(saveOne());
    await held.reached;
    await so.close();
    expect(await save).not.toBe('answered');
    so = await startSuperOfficeEmulator();
  });
});

describe('latency (the benchmarks use it)', () => {
  it('setLatency delays every request: a client whose timeout is shorter gives up, then gets through at 0', async () => {
    so.setLatency(400);
    expect(await rejection(saveOne(agent(100)))).toBe('ECONNABORTED');
    so.setLatency(0);
    await expect(saveOne(agent(100))).resolves.toBeGreaterThan(0);
  });
});
