import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import {
  seedDemoData,
  startSuperOfficeEmulator,
  type DemoDataIds,
  type HeldRequestHandle,
  type HoldStage,
  type SuperOfficeEmulator,
  type SuperOfficeRequestView,
} from '../../src/sandbox/superoffice';
import { buildParticipant, buildPayload } from '../support/payloads';
import { storedDeliveries } from '../support/receiverDatabase';
import {
  builtProduct,
  killAllReceivers,
  startReceiverProcess,
  withOutputOf,
  type ReceiverProcess,
} from '../support/receiverProcess';
import { waitFor } from '../support/waitFor';

// The built receiver with CRM=superoffice (a system user of an Online tenant, from the environment) is SIGKILLed at
// each SuperOffice request of a delivery, exactly there: the emulator (in this process) holds that request — before
// SuperOffice handles it, or, for a write, handled with its answer held back — while the test kills the child. A
// restart on the same data directory must end with the delivery delivered and exactly one appointment and one
// foreign key per (conversation, person), and one foreign application and device; killed while a re-sent summary
// updates the appointments, the same appointments end revised. No hook in the product: the kill points are
// SuperOffice's requests. The Lime counterpart is crashPoints.test.ts.

jest.setTimeout(120_000);

const SECRET = 'so-crash-points-secret';
/** The shortest lease the receiver accepts: the killed process's claim runs out within the test. */
const LEASE_SECONDS = 5;
const CONVERSATION = 'c0ffee00-0000-4000-8000-0000000050c4';
const CLIENT_ID = 'c4a5c4a5d1c1a2b3c4d5e6f708192a3b';
const CLIENT_SECRET = 'crash-client-secret';
const SYSTEM_USER_TOKEN = 'DCI CRM Companion-crash-7Yw';
const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });

/**
 * Every SuperOffice request of a first delivery of a meeting with two matched customers, as the adapter makes them
 * today (the first test checks the list still is the whole delivery): the agent method and how many times it was
 * called up to and including this request. The two customers' lookups and writes run at the same time (each
 * customer's own requests in order), so the two interleave in an order that may differ from run to run: a kill
 * point is the n-th request of a kind, whichever customer makes it, and the outcome asserted is the same for both.
 * One CreateDefaultAppointmentEntity serves both (sharedDefaults.ts).
 */
const DELIVERY_REQUESTS: ReadonlyArray<readonly [method: string, occurrence: number]> = [
  ['Appointment/GetTaskListItems', 1],
  ['Archive/GetArchiveListByColumns2', 1],
  ['Archive/GetArchiveListByColumns2', 2],
  ['Archive/GetArchiveListByColumns2', 3],
  ['ForeignSystem/GetAppByName', 1],
  ['ForeignSystem/SaveForeignAppEntity', 1],
  ['ForeignSystem/GetDeviceByIdentifier', 1],
  ['ForeignSystem/SaveForeignDevice', 1],
  ['ForeignSystem/GetKeyByValue', 1],
  ['ForeignSystem/GetKeyByValue', 2],
  ['Appointment/CreateDefaultAppointmentEntity', 1],
  ['Appointment/SaveAppointmentEntity', 1],
  ['Appointment/SaveAppointmentEntity', 2],
  ['ForeignSystem/AddForeignKey', 1],
  ['ForeignSystem/AddForeignKey', 2],
];

/** Writes: killed both before SuperOffice stored them and after (the answer never reached the receiver). */
const isWrite = (method: string) => /\/(Save|Add)/u.test(method);

const KILL_POINTS: Array<[string, string, number, HoldStage]> = DELIVERY_REQUESTS.flatMap(([method, occurrence]) => {
  const stages: HoldStage[] = isWrite(method) ? ['before_handling', 'after_handling'] : ['before_handling'];
  return stages.map((stage): [string, string, number, HoldStage] => [
    `${method} #${occurrence}, ${stage === 'before_handling' ? 'before SuperOffice handled it' : 'stored, the answer not yet back'}`,
    method,
    occurrence,
    stage,
  ]);
});

let workDir: string;
let mainJs: string;
let privateKeyFile: string;
const emulators: SuperOfficeEmulator[] = [];

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'dci-so-crash-points-'));
  mainJs = builtProduct().mainJs;
  privateKeyFile = join(workDir, 'superoffice-app.pem');
  writeFileSync(privateKeyFile, keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
    mode: 0o600,
  });
});

afterEach(async () => {
  await killAllReceivers();
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

interface Scene {
  so: SuperOfficeEmulator;
  ids: DemoDataIds;
  dataDir: string;
  env: Record<string, string>;
  processes: ReceiverProcess[];
}

async function setUp(): Promise<Scene> {
  const so = await startSuperOfficeEmulator({
    auth: {
      kind: 'online',
      applications: [
        {
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          publicKeyPem: keyPair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        },
      ],
      systemUsers: [{ systemUserToken: SYSTEM_USER_TOKEN, clientId: CLIENT_ID }],
    },
  });
  emulators.push(so);
  const ids = seedDemoData(so);
  const dataDir = mkdtempSync(join(workDir, 'data-'));
  const env = {
    DATA_DIR: dataDir,
    DCI_WEBHOOK_SECRETS: SECRET,
    CRM: 'superoffice',
    SUPEROFFICE_URL: so.baseUrl,
    SUPEROFFICE_AUTH: 'system_user',
    SUPEROFFICE_CLIENT_ID: CLIENT_ID,
    SUPEROFFICE_CLIENT_SECRET: CLIENT_SECRET,
    SUPEROFFICE_PRIVATE_KEY_FILE: privateKeyFile,
    SUPEROFFICE_SYSTEM_USER_TOKEN: SYSTEM_USER_TOKEN,
    SUPEROFFICE_LOGIN_URL: so.loginUrl ?? '',
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
    // info: the test waits for the start's connection check ("CRM connection checked") before it counts requests.
    LOG_LEVEL: 'info',
    LEASE_SECONDS: String(LEASE_SECONDS),
  };
  return { so, ids, dataDir, env, processes: [] };
}

/** A meeting with Anna and Erik, both matched by e-mail; `summary` and DCI's `timestamp` tell a re-send. */
function meeting(summary = 'Acme wants a three-year term.', timestamp = '2026-11-20T10:05:00.000Z'): unknown {
  return buildPayload(
    {
      id: CONVERSATION,
      summary,
      participants: [
        buildParticipant({ name: 'Anna Andersson', email: 'anna.andersson@acme.se' }),
        buildParticipant({ name: 'Erik Ek', email: 'erik.ek@fjallbo.se', company: 'Fjällbo' }),
      ],
    },
    { timestamp },
  );
}

async function post(receiver: ReceiverProcess, payload: unknown): Promise<void> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${receiver.url}/api/v1/dci/webhook`, {
    method: 'POST',
    headers: signDci(body, SECRET),
    body,
  });
  await response.arrayBuffer();
  expect(response.status).toBe(202);
}

/** Starts the child and waits until the start's connection check is done (its requests are not the delivery's). */
async function start(scene: Scene): Promise<ReceiverProcess> {
  const receiver = await startReceiverProcess(mainJs, scene.env);
  scene.processes.push(receiver);
  await waitFor(() => receiver.output().includes('CRM connection checked'), 15_000, 'the start’s connection check');
  return receiver;
}

/** The agent method of a request (`Appointment/SaveAppointmentEntity`). */
function methodOf(request: SuperOfficeRequestView): string {
  return request.path.replace(/^.*\/Agents\//u, '');
}

/** The `occurrence`-th request of `method` from now on. */
function nth(method: string, occurrence: number) {
  let seen = 0;
  return (request: SuperOfficeRequestView) => methodOf(request) === method && ++seen === occurrence;
}

async function reached(held: HeldRequestHandle, what: string): Promise<void> {
  let done = false;
  void held.reached.then(() => (done = true));
  await waitFor(() => done, 30_000, what);
}

/** One appointment and one foreign key per (conversation, person), the key pointing at that appointment. */
function expectExactlyOncePerPerson(scene: Scene): void {
  const { so, ids } = scene;
  const appointments = so.appointments();
  expect(appointments.map((appointment) => appointment.personId).sort()).toEqual(
    [ids.persons.anna, ids.persons.erik].sort(),
  );
  const keys = so.foreignKeys().filter((key) => key.tableName === 'appointment');
  expect(keys.map((key) => key.value).sort()).toEqual(
    [`${CONVERSATION}/${ids.persons.anna}`, `${CONVERSATION}/${ids.persons.erik}`].sort(),
  );
  for (const key of keys) {
    const personId = Number(key.value.split('/')[1]);
    expect(key.recordId).toBe(appointments.find((appointment) => appointment.personId === personId)?.appointmentId);
  }
  expect(so.foreignApps()).toHaveLength(1);
  expect(so.foreignDevices()).toHaveLength(1);
}

describe('a receiver (CRM=superoffice) killed at each SuperOffice request of a delivery, then restarted', () => {
  it('the kill points are every request of an uninterrupted delivery', async () => {
    const scene = await setUp();
    try {
      const receiver = await start(scene);
      scene.so.clearRequests();
      await post(receiver, meeting());
      await waitFor(
        () => storedDeliveries(scene.dataDir)[0]?.status === 'delivered',
        30_000,
        'the delivery to be delivered',
      );
      // The same requests, in whatever order the two customers' interleaved (see DELIVERY_REQUESTS).
      expect(scene.so.requests.map(methodOf).sort()).toEqual(DELIVERY_REQUESTS.map(([method]) => method).sort());
      expectExactlyOncePerPerson(scene);
    } catch (error) {
      throw withOutputOf(scene.processes, error);
    }
  });

  it.each(KILL_POINTS)('%s → one appointment and one key per person', async (_name, method, occurrence, stage) => {
    const scene = await setUp();
    try {
      const first = await start(scene);
      const held = scene.so.hold(nth(method, occurrence), stage);
      await post(first, meeting());
      await reached(held, `the receiver to reach ${method} #${occurrence}`);
      expect(storedDeliveries(scene.dataDir)).toEqual([
        expect.objectContaining({ conversationId: CONVERSATION, status: 'in_progress', attempts: 1 }),
      ]);

      expect((await first.stop('SIGKILL')).signal).toBe('SIGKILL');
      held.drop(); // for after_handling the write stays stored: the receiver that asked never heard of it
      const restarted = await start(scene);
      await waitFor(
        () => storedDeliveries(scene.dataDir)[0]?.status === 'delivered',
        60_000,
        'the delivery to be delivered after the restart',
        100,
      );
      expect((await restarted.stop('SIGTERM')).code).toBe(0);

      expectExactlyOncePerPerson(scene);
      // The cut-off attempt is counted (its lease ran out), and a later one delivered.
      expect(storedDeliveries(scene.dataDir)[0]).toMatchObject({ status: 'delivered', attempts: 2 });
    } catch (error) {
      throw withOutputOf(scene.processes, error);
    }
  });

  it.each<[string, HoldStage]>([
    ['before SuperOffice applied the update', 'before_handling'],
    ['after SuperOffice applied the update, before the receiver recorded it', 'after_handling'],
  ])('during the update of a re-sent summary, %s → the same appointments, revised', async (_step, stage) => {
    const scene = await setUp();
    try {
      const first = await start(scene);
      await post(first, meeting('Original summary.'));
      await waitFor(
        () => storedDeliveries(scene.dataDir)[0]?.status === 'delivered',
        30_000,
        'the original to be delivered',
      );
      const originals = scene.so.appointments().map((appointment) => appointment.appointmentId);
      expect(originals).toHaveLength(2);

      const held = scene.so.hold(nth('Appointment/SaveAppointmentEntity', 1), stage);
      await post(first, meeting('Revised summary.', '2026-11-20T12:00:00.000Z'));
      await reached(held, 'the receiver to update an appointment');
      expect(storedDeliveries(scene.dataDir)[0]).toMatchObject({ status: 'in_progress' });

      expect((await first.stop('SIGKILL')).signal).toBe('SIGKILL');
      held.drop();
      const restarted = await start(scene);
      await waitFor(
        () => storedDeliveries(scene.dataDir)[0]?.status === 'delivered',
        60_000,
        'the revision to be delivered after the restart',
        100,
      );
      expect((await restarted.stop('SIGTERM')).code).toBe(0);

      expectExactlyOncePerPerson(scene);
      const appointments = scene.so.appointments();
      expect(appointments.map((appointment) => appointment.appointmentId)).toEqual(originals); // updated in place
      for (const appointment of appointments) {
        expect(appointment.description).toContain('Revised summary.');
        expect(appointment.description).not.toContain('Original summary.');
      }
    } catch (error) {
      throw withOutputOf(scene.processes, error);
    }
  });
});
