import { ForeignSystemAgent } from '@superoffice/webapi';
import { seedDemoData, startSuperOfficeEmulator, type SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { buildParticipant, buildPayload } from '../support/payloads';
import { buildSuperOfficeScript, webApiFor, runScript, withConfig } from '../support/superOfficeScript';

const TOKEN = 'test-token';
let script: string;
let so: SuperOfficeEmulator;

beforeAll(() => {
  script = withConfig(buildSuperOfficeScript(), 'internalDomains', "['seller.se']");
});
afterEach(() => so.close());

async function tenant(baseTimeZone = 'Europe/Stockholm'): Promise<void> {
  so = await startSuperOfficeEmulator({ tokens: [TOKEN], baseTimeZone });
  seedDemoData(so);
}

const run = (payload: unknown, text = script) =>
  runScript(text, webApiFor(so.baseUrl, TOKEN), { body: JSON.stringify(payload) });

const annaMeeting = (conversation: Record<string, unknown> = {}) =>
  buildPayload({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })], ...conversation });

const calls = (method: string) => so.requests.filter((entry) => entry.path.endsWith(`/ForeignSystem/${method}`));

/** The appointment as SuperOffice shows it: read without SO-Timezone, i.e. in the tenant's base time zone. */
async function shownTimes(appointmentId: number): Promise<{ start: unknown; end: unknown }> {
  const response = await fetch(
    `${so.baseUrl}/api/v1/Agents/Appointment/GetAppointmentEntity?appointmentEntityId=${appointmentId}`,
    {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: 'null',
    },
  );
  const body = (await response.json()) as Record<string, unknown>;
  return { start: body['StartDate'], end: body['EndDate'] };
}

describe('the SuperOffice script: foreign application and device for its exactly-once keys', () => {
  beforeEach(() => tenant());

  it('the first meeting creates the foreign application and device once; a second meeting does not create them again', async () => {
    expect((await run(annaMeeting())).status).toBe(200);
    expect((await run(annaMeeting())).status).toBe(200);

    expect(so.foreignApps()).toEqual([expect.objectContaining({ name: 'DCI CRM Companion' })]);
    expect(so.foreignDevices()).toEqual([
      expect.objectContaining({ name: 'summary-script', deviceIdentifier: 'default' }),
    ]);
    expect(calls('SaveForeignAppEntity')).toHaveLength(1);
    expect(calls('SaveForeignDevice')).toHaveLength(1);
    expect(so.foreignKeys()).toHaveLength(2);
    expect(so.appointments()).toHaveLength(2);
  });

  it('a re-sent meeting updates its appointment, never duplicates it, and creates nothing for its keys', async () => {
    const payload = annaMeeting();
    await run(payload);
    so.clearRequests();
    const again = await run(payload);
    expect(again.status).toBe(200);
    expect(JSON.stringify(again.body)).toContain('updated');
    expect(so.appointments()).toHaveLength(1);
    expect(so.foreignKeys()).toHaveLength(1);
    expect(calls('SaveForeignAppEntity')).toHaveLength(0);
    expect(calls('SaveForeignDevice')).toHaveLength(0);
  });

  it('when creating the application fails, the meeting fails with nothing written, and the retry writes it once', async () => {
    // The requests of a first meeting: … GetAppByName, SaveForeignAppEntity, …; fail the save.
    await run(annaMeeting());
    const firstRun = so.requests.map((entry) => entry.path);
    const saveAt = firstRun.findIndex((path) => path.endsWith('/ForeignSystem/SaveForeignAppEntity'));
    expect(saveAt).toBeGreaterThan(0);
    await so.close();
    await tenant();
    so.failNext(saveAt, { kind: 'delay', ms: 0 });
    so.failNext(1, { kind: 'status', status: 500 });

    const payload = annaMeeting();
    const first = await run(payload);
    expect(first).toMatchObject({ status: 500, body: { ok: false, error: { code: 'superoffice_error' } } });
    expect(so.appointments()).toEqual([]);
    expect(so.foreignApps()).toEqual([]);

    expect((await run(payload)).status).toBe(200);
    expect(so.appointments()).toHaveLength(1);
    expect(so.foreignApps()).toHaveLength(1);
  });

  it('the emulator refuses a key under an application or device that does not exist (no implicit creation)', async () => {
    const agent = new ForeignSystemAgent({
      baseUrl: so.baseUrl,
      axiosConfig: { headers: { Authorization: `Bearer ${TOKEN}` } },
    });
    const key = { key: 'k', value: 'v', recordId: 0, tableName: '' };
    await expect(agent.addForeignKeyAsync(key, 'Some App', 'device', 'id')).rejects.toMatchObject({
      response: { status: 400 },
    });
    const app = await agent.saveForeignAppEntityAsync({ foreignAppId: 0, name: 'Some App' });
    await expect(agent.addForeignKeyAsync(key, 'Some App', 'device', 'id')).rejects.toMatchObject({
      response: { status: 400 },
    });
    await agent.saveForeignDeviceAsync(
      { foreignDeviceId: 0, name: 'device', deviceIdentifier: 'id', foreignAppId: app.foreignAppId ?? 0 },
      'Some App',
    );
    await expect(agent.addForeignKeyAsync(key, 'Some App', 'device', 'id')).resolves.toMatchObject({ value: 'v' });
  });
});

describe("the SuperOffice script: appointment times in the tenant's time zone", () => {
  it.each([
    ['winter (CET)', '2026-11-20T08:00:00.000Z', '2026-11-20T09:00:00', '2026-11-20T09:45:00'],
    ['summer (CEST)', '2026-06-10T07:00:00.000Z', '2026-06-10T09:00:00', '2026-06-10T09:45:00'],
  ])('a 09:00 Stockholm meeting in %s shows as 09:00 on a Stockholm tenant', async (_season, date, start, end) => {
    await tenant('Europe/Stockholm');
    const answer = await run(annaMeeting({ date, duration: 2700 }));
    expect(answer.status).toBe(200);
    const [appointment] = so.appointments();
    expect(await shownTimes(appointment?.appointmentId ?? 0)).toEqual({ start, end });
    expect(appointment?.startDate).toBe(date);
  });

  it('with timeZone set to the tenant’s zone (Helsinki), the same instant shows as 10:00', async () => {
    await tenant('Europe/Helsinki');
    const answer = await run(
      annaMeeting({ date: '2026-11-20T08:00:00.000Z' }),
      withConfig(script, 'timeZone', "'Europe/Helsinki'"),
    );
    expect(answer.status).toBe(200);
    const [appointment] = so.appointments();
    expect((await shownTimes(appointment?.appointmentId ?? 0)).start).toBe('2026-11-20T10:00:00');
  });

  it('a timeZone the runtime does not know is a 500 naming the setting, before anything is written', async () => {
    await tenant();
    const answer = await run(annaMeeting(), withConfig(script, 'timeZone', "'Europe/Stokholm'"));
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.body)).toContain('timeZone');
    expect(so.appointments()).toEqual([]);
  });
});
