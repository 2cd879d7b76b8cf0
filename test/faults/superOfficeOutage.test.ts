import type { RunningReceiver } from '../../src/receiver/startReceiver';
import type { SuperOfficeFault, SuperOfficeRequestView } from '../../src/sandbox/superoffice';
import { sendMeeting, settledDelivery, startOnlineScene, type OnlineScene } from '../support/superOfficeReceiver';
import { waitFor } from '../support/waitFor';

// SuperOffice out or slow, as the receiver configured by the environment meets it (CRM=superoffice, a system user
// of an Online tenant): 429 with Retry-After, 503, a reset connection, an answer lost after the save was stored, a
// request slower than the attempt may take. Each is retried — an outage through the CRM circuit (the attempt given
// back uncounted, a probe when SuperOffice answers again, not before its Retry-After), a stopped attempt through the
// backoff — and the meeting ends with exactly one appointment and one foreign key per person.
// superOfficeFaults.test.ts holds the same faults with an injected connector and a test clock.

jest.setTimeout(60_000);

let scene: OnlineScene;

beforeEach(async () => {
  scene = await startOnlineScene();
});
afterEach(async () => {
  await scene.close();
});

/** The agent method of a request (`Appointment/SaveAppointmentEntity`). */
const methodOf = (request: SuperOfficeRequestView) => request.path.replace(/^.*\/Agents\//u, '');

/** The `occurrence`-th request of `method` from now on. */
function nth(method: string, occurrence: number) {
  let seen = 0;
  return (request: SuperOfficeRequestView) => methodOf(request) === method && ++seen === occurrence;
}

/** One appointment and one foreign key per person of the meeting, the key pointing at that appointment. */
function expectOneAppointmentEach(): void {
  const { so, ids } = scene;
  const appointments = so.appointments();
  expect(appointments.map((appointment) => appointment.personId).sort()).toEqual(
    [ids.persons.anna, ids.persons.erik].sort(),
  );
  const keys = so.foreignKeys().filter((key) => key.tableName === 'appointment');
  expect(keys).toHaveLength(2);
  for (const key of keys) {
    const personId = Number(key.value.split('/').at(-1));
    expect(key.recordId).toBe(appointments.find((appointment) => appointment.personId === personId)?.appointmentId);
  }
}

async function readyz(receiver: RunningReceiver): Promise<Record<string, unknown>> {
  const response = await fetch(`${receiver.url}/readyz`);
  return (await response.json()) as Record<string, unknown>;
}

async function attemptLogOf(receiver: RunningReceiver, deliveryId: string) {
  const detail = await receiver.store.getDelivery(deliveryId);
  return detail?.attemptLog.map((attempt) => [attempt.outcome, attempt.errorCode ?? null]);
}

describe('SuperOffice out or slow, through the receiver (CRM=superoffice, system user)', () => {
  it('429 with Retry-After: the probe is not scheduled before it, the attempt is not spent, one appointment each', async () => {
    const receiver = await scene.start(scene.systemUserEnv());
    scene.so.failWhen(nth('Archive/GetArchiveListByColumns2', 1), {
      kind: 'status',
      status: 429,
      retryAfterSec: 3,
    });
    const before = Date.now();
    await sendMeeting(receiver, 'so-429');

    let circuit: Record<string, unknown> | undefined;
    await waitFor(
      async () => {
        const state = (await readyz(receiver))['crmAvailability'] as Record<string, unknown> | undefined;
        if (state?.['state'] === 'unavailable') circuit = state;
        return circuit !== undefined;
      },
      10_000,
      'the circuit to open on the 429',
      10,
    );
    expect(circuit).toMatchObject({ state: 'unavailable', code: 'rate_limited' });
    expect(Date.parse(String(circuit?.['nextProbeAt']))).toBeGreaterThanOrEqual(before + 3_000);

    const row = await settledDelivery(receiver, 'so-429', ['delivered', 'dead']);
    expect({ status: row.status, attempts: row.attempts }).toEqual({ status: 'delivered', attempts: 1 });
    expect(await attemptLogOf(receiver, row.id)).toEqual([
      ['retry', 'crm_unavailable'],
      ['delivered', null],
    ]);
    expectOneAppointmentEach();
    expect(scene.so.requests.filter((request) => request.status === 429)).toHaveLength(1);
  });

  it.each<[string, SuperOfficeFault]>([
    ['a 503', { kind: 'status', status: 503 }],
    ['a reset connection', { kind: 'drop' }],
    ['an answer lost after SuperOffice stored the save', { kind: 'lose_answer' }],
  ])(
    '%s on the second appointment, after the first was written: given back, delivered when SuperOffice answers, one each',
    async (_name, fault) => {
      const receiver = await scene.start(scene.systemUserEnv());
      scene.so.failWhen(nth('Appointment/SaveAppointmentEntity', 2), fault);
      await sendMeeting(receiver, 'so-mid');
      const row = await settledDelivery(receiver, 'so-mid', ['delivered', 'dead']);
      expect({ status: row.status, attempts: row.attempts, error: row.lastErrorMessage }).toEqual({
        status: 'delivered',
        attempts: 1,
        error: undefined,
      });
      expect(await attemptLogOf(receiver, row.id)).toEqual([
        ['retry', 'crm_unavailable'],
        ['delivered', null],
      ]);
      expectOneAppointmentEach();
      // The fault was met: the failed save is in the emulator's log (0: dropped; 503: refused).
      const saves = scene.so.requests.filter((request) => methodOf(request) === 'Appointment/SaveAppointmentEntity');
      expect(saves.filter((request) => request.status !== 200)).toHaveLength(1);
    },
  );

  it('a save slower than the attempt may take (LEASE_SECONDS): the attempt is stopped, retried, and one appointment each', async () => {
    const receiver = await scene.start({ ...scene.systemUserEnv(), LEASE_SECONDS: '5' });
    // Handled after 6 s, when the receiver has given the attempt up (at 80 % of the lease): stored without its key.
    scene.so.failWhen(nth('Appointment/SaveAppointmentEntity', 1), { kind: 'delay', ms: 6_000 });
    await sendMeeting(receiver, 'so-slow');
    const retrying = await settledDelivery(receiver, 'so-slow', ['retrying', 'delivered', 'dead']);
    expect(retrying).toMatchObject({ status: 'retrying', attempts: 1, lastErrorCode: 'attempt_timeout' });
    const failedAt = (await receiver.store.getDelivery(retrying.id))?.attemptLog[0]?.startedAt;
    // The backoff's first wait: 15 s ± 20 %.
    expect(retrying.nextAttemptAt!.getTime() - failedAt!.getTime()).toBeGreaterThanOrEqual(12_000);

    const row = await settledDelivery(receiver, 'so-slow', ['delivered', 'dead'], 40_000);
    expect({ status: row.status, attempts: row.attempts }).toEqual({ status: 'delivered', attempts: 2 });
    expectOneAppointmentEach();
  });
});
