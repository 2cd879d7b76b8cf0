import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findConversationReference } from '../../src/core';
import { startDciEmulator, type DciEmulator, type DciRequestView } from '../../src/sandbox/dci';
import type { LimeEmulator } from '../../src/sandbox/lime';
import { DCI_TOKEN } from '../support/dci';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { storedDeliveries } from '../support/receiverDatabase';
import {
  builtProduct,
  killAllReceivers,
  startReceiverProcess,
  withOutputOf,
  type ReceiverProcess,
} from '../support/receiverProcess';
import { waitFor } from '../support/waitFor';

// The compiled receiver polls DCI's emulator (poll mode: no webhook at all) and is SIGKILLed while DCI holds its
// request for the second page of the conversation list: the first page's conversations are stored and being
// delivered, the second page's are not read yet, and the poll never saved its position. Restarted on the same data
// directory, it must deliver every completed conversation — also one completed while it was down — with exactly one
// note per (conversation, person) in Lime. The kill point is DCI's request, held by the emulator; no hook in the
// product.

// The restarted receiver polls once the killed one's poll lease has run out (at least 60 s, DciPoller.leaseMs).
jest.setTimeout(180_000);

/** More than one page of DCI's list (25 a page). */
const CONVERSATIONS = 30;
/** Short, so the killed process's claimed deliveries run out within the test. */
const LEASE_SECONDS = 5;

interface Meeting {
  id: string;
  personIds: number[];
}

interface Scene {
  dci: DciEmulator;
  lime: LimeEmulator;
  dataDir: string;
  env: Record<string, string>;
  meetings: Meeting[];
  processes: ReceiverProcess[];
}

let workDir: string;
let mainJs: string;
let dci: DciEmulator | undefined;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'dci-poll-crash-'));
  mainJs = builtProduct().mainJs;
});

afterEach(async () => {
  await killAllReceivers();
  await dci?.close();
  dci = undefined;
  await closeAll();
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

async function setUp(): Promise<Scene> {
  dci = await startDciEmulator({
    tokens: {
      [DCI_TOKEN]: { scopes: ['conversations', 'recordings'], includeRecordings: true, ratePerMinute: 1000 },
    },
  });
  const lime = await startLime();
  lime.insert('coworker', { firstname: 'Sara', lastname: 'Säljare', email: 'sara@seller.se' });
  const company = lime.insert('company', { name: 'Kund AB' });
  for (let index = 0; index < 10; index += 1) {
    lime.insert('person', { firstname: 'Kund', lastname: String(index), email: `kund${index}@kund.se`, company });
  }
  const dataDir = mkdtempSync(join(workDir, 'data-'));
  const env = {
    DATA_DIR: dataDir,
    DCI_API_URL: dci.baseUrl,
    DCI_API_TOKEN: DCI_TOKEN,
    DCI_API_RATE_PER_MINUTE: '1000',
    DCI_POLL_INTERVAL_S: '5',
    LIME_URL: lime.baseUrl,
    LIME_API_KEY: TEST_API_KEY,
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
    CONTACT_INDEX_SYNC_HOURS: '0',
    LOG_LEVEL: 'warn',
    LEASE_SECONDS: String(LEASE_SECONDS),
  };
  const scene: Scene = { dci, lime, dataDir, env, meetings: [], processes: [] };
  return scene;
}

/**
 * A meeting completed in DCI `minutesAgo` (inside the first poll's two hours): one customer, two for every fifth
 * meeting, so some deliveries write two notes.
 */
function completeMeeting(scene: Scene, index: number, minutesAgo: number): void {
  const persons = scene.lime.all('person').filter((person) => String(person['email']).endsWith('@kund.se'));
  const attendees = [
    persons[index % persons.length]!,
    ...(index % 5 === 0 ? [persons[(index + 1) % persons.length]!] : []),
  ];
  const conversation = scene.dci.addConversation({
    title: `Polled meeting ${index}`,
    company: 'Kund AB',
    date: new Date(scene.dci.now().getTime() - minutesAgo * 60_000).toISOString(),
    duration: 600,
    user: { id: 'u-sara', name: 'Sara Säljare', email: 'sara@seller.se' },
    participants: attendees.map((person) => ({
      name: `Kund ${String(person['lastname'])}`,
      email: String(person['email']),
      role: 'customer',
    })),
    summary: `Summary of meeting ${index}.`,
    recording: true,
  });
  scene.meetings.push({ id: conversation.id, personIds: attendees.map((person) => Number(person['_id'])) });
}

async function start(scene: Scene): Promise<ReceiverProcess> {
  const receiver = await startReceiverProcess(mainJs, scene.env);
  scene.processes.push(receiver);
  return receiver;
}

/** Lime's notes counted by `<conversation> person <id>`. */
function notesPerConversationAndPerson(lime: LimeEmulator): Map<string, number> {
  const counted = new Map<string, number>();
  for (const note of lime.all('history')) {
    const key = `${findConversationReference(String(note['note'])) ?? '(no reference)'} person ${String(note['person'])}`;
    counted.set(key, (counted.get(key) ?? 0) + 1);
  }
  return counted;
}

const isListPage = (request: DciRequestView) => request.method === 'GET' && request.path === '/conversations';

describe('a receiver killed (SIGKILL) while DCI holds a poll page, then restarted', () => {
  it('delivers every completed conversation, with exactly one note per (conversation, person)', async () => {
    const scene = await setUp();
    try {
      for (let index = 0; index < CONVERSATIONS; index += 1) completeMeeting(scene, index, 10 + index);
      // The second page (asked for with a cursor) is held: DCI answers it only long after the kill.
      let heldReached = false;
      scene.dci.failWhen(
        (request) => {
          const second = isListPage(request) && new URLSearchParams(request.query).has('cursor');
          if (second) heldReached = true;
          return second;
        },
        { kind: 'delay', ms: 120_000 },
      );

      const first = await start(scene);
      await waitFor(() => heldReached, 30_000, 'the receiver to ask DCI for the second list page');
      // The first page's 25 conversations were stored before the second page was asked for; none of the second's.
      const atKill = storedDeliveries(scene.dataDir);
      expect(atKill).toHaveLength(25);

      expect((await first.stop('SIGKILL')).signal).toBe('SIGKILL');
      // Completed while no receiver runs: the restarted one's poll finds it too.
      completeMeeting(scene, CONVERSATIONS, 1);

      const restarted = await start(scene);
      await waitFor(
        () => {
          const deliveries = storedDeliveries(scene.dataDir);
          return deliveries.length === scene.meetings.length && deliveries.every((d) => d.status === 'delivered');
        },
        150_000,
        'every conversation to be delivered after the restart',
        200,
      );
      expect((await restarted.stop('SIGTERM')).code).toBe(0);

      const deliveries = storedDeliveries(scene.dataDir);
      expect(deliveries.map((delivery) => delivery.conversationId).sort()).toEqual(
        scene.meetings.map((meeting) => meeting.id).sort(),
      );
      const expected = new Map<string, number>();
      for (const meeting of scene.meetings) {
        for (const person of meeting.personIds) expected.set(`${meeting.id} person ${person}`, 1);
      }
      expect(notesPerConversationAndPerson(scene.lime)).toEqual(expected);
    } catch (error) {
      throw withOutputOf(scene.processes, error);
    }
  });
});
