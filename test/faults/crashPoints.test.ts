import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findConversationReference } from '../../src/core';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import type { HeldRequest, HoldStage, LimeEmulator, LimeRequestView } from '../../src/sandbox/lime';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
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

// The receiver is SIGKILLed at each step of a delivery, exactly there: the Lime emulator (in this process) holds
// the matching request — before Lime handles it, or handled with its answer held back — while the test kills the
// receiver child. A restart on the same data directory must end with exactly one note per (conversation, person),
// and the delivery delivered. No hook in the product: the kill points are Lime's requests.

jest.setTimeout(120_000);

const SECRET = 'crash-points-secret';
/** The shortest lease the receiver accepts: the killed process's claim runs out within the test. */
const LEASE_SECONDS = 5;
const CONVERSATION = 'c0ffee00-0000-4000-8000-00000000c4a5';

let workDir: string;
let mainJs: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'dci-crash-points-'));
  mainJs = builtProduct().mainJs;
});

afterEach(async () => {
  await killAllReceivers();
  await closeAll();
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** The Query API document of a `GET query/?q=` request, if it is one. */
function queryDocument(request: LimeRequestView): Record<string, unknown> | undefined {
  if (request.method !== 'GET' || !request.path.endsWith('/query/')) return undefined;
  const q = new URLSearchParams(request.query).get('q');
  return q === null ? undefined : (JSON.parse(q) as Record<string, unknown>);
}

/** The delivery looking up (or confirming) the meeting's persons — not the contact index's sync of all persons. */
const personLookup = (request: LimeRequestView): boolean => {
  const document = queryDocument(request);
  return (
    document?.['limetype'] === 'person' &&
    document['filter'] !== undefined &&
    !JSON.stringify(document['filter']).includes('_timestamp')
  );
};
const noteCreate = (request: LimeRequestView) => request.method === 'POST' && request.path.endsWith('/history/');
const noteUpdate = (request: LimeRequestView) => request.method === 'PUT' && /\/history\/\d+\/$/u.test(request.path);

interface Scene {
  lime: LimeEmulator;
  personIds: number[];
  dataDir: string;
  env: Record<string, string>;
  processes: ReceiverProcess[];
}

async function setUp(): Promise<Scene> {
  const lime = await startLime();
  lime.insert('coworker', { firstname: 'Sara', lastname: 'Säljare', email: 'sara@seller.se' });
  const acme = lime.insert('company', { name: 'Acme AB' });
  const personIds = [
    lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se', company: acme }),
    lime.insert('person', { firstname: 'Bertil', email: 'bertil@acme.se', company: acme }),
  ];
  const dataDir = mkdtempSync(join(workDir, 'data-'));
  const env = {
    DATA_DIR: dataDir,
    DCI_WEBHOOK_SECRETS: SECRET,
    LIME_URL: lime.baseUrl,
    LIME_API_KEY: TEST_API_KEY,
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
    LOG_LEVEL: 'warn',
    LEASE_SECONDS: String(LEASE_SECONDS),
  };
  return { lime, personIds, dataDir, env, processes: [] };
}

/** A meeting with both customers; `summary` and DCI's `timestamp` tell a re-send from the original. */
function meeting(summary: string, timestamp = '2026-11-20T10:05:00.000Z'): unknown {
  return buildPayload(
    {
      id: CONVERSATION,
      summary,
      participants: [
        buildParticipant({ name: 'Anna Andersson', email: 'anna@acme.se' }),
        buildParticipant({ name: 'Bertil Berg', email: 'bertil@acme.se' }),
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

async function start(scene: Scene): Promise<ReceiverProcess> {
  const receiver = await startReceiverProcess(mainJs, scene.env);
  scene.processes.push(receiver);
  return receiver;
}

/** Resolves when the held request is reached; fails (instead of hanging) when it is not reached in time. */
async function reached(held: HeldRequest, what: string): Promise<void> {
  let done = false;
  void held.reached.then(() => (done = true));
  await waitFor(() => done, 30_000, what);
}

/** Our notes in Lime, as `person <id> ×<count>` for the conversation. */
function notesPerPerson(lime: LimeEmulator): string[] {
  const counts = new Map<number, number>();
  for (const note of lime.all('history')) {
    if (findConversationReference(String(note['note'])) !== CONVERSATION) continue;
    counts.set(Number(note['person']), (counts.get(Number(note['person'])) ?? 0) + 1);
  }
  return [...counts].map(([person, count]) => `person ${person} ×${count}`).sort();
}

function onePerPerson(scene: Scene): string[] {
  return scene.personIds.map((person) => `person ${person} ×1`).sort();
}

/** Kills the receiver at the held request, lets the request go, restarts, and waits until it is delivered. */
async function killRestartAndDeliver(scene: Scene, victim: ReceiverProcess, held: HeldRequest): Promise<void> {
  expect((await victim.stop('SIGKILL')).signal).toBe('SIGKILL');
  held.release(); // its answer goes nowhere: the receiver that asked is gone
  const restarted = await start(scene);
  await waitFor(
    () => storedDeliveries(scene.dataDir).every((delivery) => delivery.status === 'delivered'),
    60_000,
    'the delivery to be delivered after the restart',
    100,
  );
  expect((await restarted.stop('SIGTERM')).code).toBe(0);
}

describe('a receiver killed (SIGKILL) at each step of a delivery, then restarted, writes one note per (conversation, person)', () => {
  it.each<[string, (request: LimeRequestView) => boolean, HoldStage, number]>([
    ['after the claim, before Lime is asked about the participants', personLookup, 'before_handling', 0],
    // Notes are written concurrently: one customer's write is held, the other's goes through.
    ['after the person lookup, one note written and the other not yet', noteCreate, 'before_handling', 1],
    ['after Lime created the notes, before the receiver recorded them', noteCreate, 'after_handling', 2],
  ])('%s', async (_step, match, stage, notesAtKill) => {
    const scene = await setUp();
    try {
      const first = await start(scene);
      const held = scene.lime.hold(match, stage);
      await post(first, meeting('Acme wants a three-year term.'));
      await reached(held, 'the receiver to reach the crash point');
      await waitFor(() => scene.lime.all('history').length >= notesAtKill, 10_000, `${notesAtKill} note(s) in Lime`);
      expect(scene.lime.all('history')).toHaveLength(notesAtKill);
      expect(storedDeliveries(scene.dataDir)).toEqual([
        expect.objectContaining({ conversationId: CONVERSATION, status: 'in_progress', attempts: 1 }),
      ]);

      await killRestartAndDeliver(scene, first, held);

      expect(notesPerPerson(scene.lime)).toEqual(onePerPerson(scene));
      const [delivery] = storedDeliveries(scene.dataDir);
      // The cut-off attempt is counted (lease expired), and a later one delivered.
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 2 });
    } catch (error) {
      throw withOutputOf(scene.processes, error);
    }
  });

  it.each<[string, HoldStage]>([
    ['before Lime applied the update', 'before_handling'],
    ['after Lime applied the update, before the receiver recorded it', 'after_handling'],
  ])('during the update of a re-sent summary, %s', async (_step, stage) => {
    const scene = await setUp();
    try {
      const first = await start(scene);
      await post(first, meeting('Original summary.'));
      await waitFor(
        () => storedDeliveries(scene.dataDir)[0]?.status === 'delivered',
        30_000,
        'the original to be delivered',
      );
      const originalNotes = scene.lime.all('history').map((note) => note['_id']);
      expect(originalNotes).toHaveLength(2);

      const held = scene.lime.hold(noteUpdate, stage);
      await post(first, meeting('Revised summary.', '2026-11-20T12:00:00.000Z'));
      await reached(held, 'the receiver to update a note');
      expect(storedDeliveries(scene.dataDir)[0]).toMatchObject({ status: 'in_progress' });

      await killRestartAndDeliver(scene, first, held);

      expect(notesPerPerson(scene.lime)).toEqual(onePerPerson(scene));
      const notes = scene.lime.all('history');
      expect(notes.map((note) => note['_id'])).toEqual(originalNotes); // updated in place, none written anew
      for (const note of notes) {
        expect(String(note['note'])).toContain('Revised summary.');
        expect(String(note['note'])).not.toContain('Original summary.');
      }
    } catch (error) {
      throw withOutputOf(scene.processes, error);
    }
  });
});
