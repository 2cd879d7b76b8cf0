import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { findConversationReference } from '../../src/core';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import type { LimeEmulator } from '../../src/sandbox/lime';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import {
  builtProduct,
  killAllReceivers,
  receiverNodeFlags,
  startReceiverProcess,
  withOutputOf,
  type ReceiverProcess,
} from '../support/receiverProcess';
import { waitFor } from '../support/waitFor';

// Runs the product (built once for the run by globalSetup) as child processes: slower than the in-process tests.
jest.setTimeout(120_000);

const SECRET = 'restart-recovery-secret';
const SUMMARIES = 60;
const COMPANIES = [
  { name: 'Alfa AB', domain: 'alfa.se' },
  { name: 'Beta Bygg AB', domain: 'betabygg.se' },
  { name: 'Gamma Konsult AB', domain: 'gamma.se' },
  { name: 'Delta Logistik AB', domain: 'delta.se' },
];
/** Short, so the killed receiver's claims run out within the test; a real operator keeps the 5-minute default. */
const LEASE_SECONDS = 5;
/** Added to every Lime request: a delivery makes several, so it lasts long enough to be cut off by the kill. */
const LIME_LATENCY_MS = 50;
const RESENT_TIMESTAMP = '2026-11-20T12:00:00.000Z';

interface SeededPerson {
  id: number;
  email: string;
  company: string;
}

interface Conversation {
  id: string;
  attendees: SeededPerson[];
  /** The payload's `data.conversation` fields (buildPayload). */
  fields: Record<string, unknown>;
}

let workDir: string | undefined;
let mainJs: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'dci-restart-recovery-'));
  mainJs = builtProduct().mainJs;
});

afterAll(async () => {
  await killAllReceivers();
  await closeAll();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

/** One person per conversation at one of a few companies, and the presenter as a coworker. */
function seed(lime: LimeEmulator): { presenterId: number; persons: SeededPerson[] } {
  const presenterId = lime.insert('coworker', { firstname: 'Sara', lastname: 'Säljare', email: 'sara@seller.se' });
  const companies = COMPANIES.map((company) => ({ ...company, id: lime.insert('company', { name: company.name }) }));
  const persons = Array.from({ length: SUMMARIES }, (_, index): SeededPerson => {
    const company = companies[index % companies.length]!;
    const email = `person${index}@${company.domain}`;
    const id = lime.insert('person', { firstname: 'Person', lastname: String(index), email, company: company.id });
    return { id, email, company: company.name };
  });
  return { presenterId, persons };
}

/** Fixed-width ids: no conversation's reference is a prefix of another's. */
function conversationId(index: number): string {
  return `c0ffee00-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

/** Every third meeting has a second customer (the next person), so some deliveries write two notes. */
function conversations(persons: SeededPerson[]): Conversation[] {
  return persons.map((person, index) => {
    const attendees = index % 3 === 0 ? [person, persons[(index + 1) % persons.length]!] : [person];
    const id = conversationId(index);
    const fields = {
      id,
      title: `Restart meeting ${index}`,
      summary: `Original summary of meeting ${index}.`,
      participants: attendees.map((attendee) =>
        buildParticipant({ name: `Customer ${attendee.id}`, email: attendee.email, company: attendee.company }),
      ),
    };
    return { id, attendees, fields };
  });
}

/** Signs and posts `payload` as DCI does (a new delivery id unless `deliveryId`, as DCI's retry keeps it). */
async function post(receiverUrl: string, payload: unknown, deliveryId?: string): Promise<number> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${receiverUrl}/api/v1/dci/webhook`, {
    method: 'POST',
    headers: signDci(body, SECRET, deliveryId === undefined ? {} : { deliveryId }),
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

/** Posts every payload, ten at a time, in order; returns the HTTP statuses. */
async function postAll(receiverUrl: string, payloads: readonly unknown[]): Promise<number[]> {
  const statuses: number[] = [];
  for (let start = 0; start < payloads.length; start += 10) {
    const batch = payloads.slice(start, start + 10);
    statuses.push(...(await Promise.all(batch.map((payload) => post(receiverUrl, payload)))));
  }
  return statuses;
}

async function queueDepth(receiverUrl: string): Promise<number | undefined> {
  const text = await (await fetch(`${receiverUrl}/metrics`)).text();
  const match = /^dci_queue_depth (\d+)$/mu.exec(text);
  return match ? Number(match[1]) : undefined;
}

const storedDeliveriesSchema = z.array(
  z.object({ conversationId: z.string(), status: z.string(), attempts: z.number() }),
);

/** How many persons the receiver's contact index holds, read with a read-only connection. */
function contactIndexSize(dataDir: string): number {
  const db = new Database(join(dataDir, 'receiver.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return z
      .object({ size: z.number() })
      .parse(db.prepare("SELECT size FROM contact_index_state WHERE target = 'lime'").get()).size;
  } finally {
    db.close();
  }
}

/** The deliveries as the receiver's database holds them, read with a read-only connection. */
function storedDeliveries(dataDir: string): z.infer<typeof storedDeliveriesSchema> {
  const db = new Database(join(dataDir, 'receiver.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return storedDeliveriesSchema.parse(
      db.prepare('SELECT conversation_id AS conversationId, status, attempts FROM deliveries').all(),
    );
  } finally {
    db.close();
  }
}

/** Lime's history notes by `<conversation id> person <person id>` (from the note's reference line and its person). */
function notesByConversationAndPerson(lime: LimeEmulator): Map<string, Array<Record<string, unknown>>> {
  const grouped = new Map<string, Array<Record<string, unknown>>>();
  for (const note of lime.all('history')) {
    const reference = findConversationReference(String(note['note']));
    const key = `${reference ?? '(no reference)'} person ${String(note['person'])}`;
    grouped.set(key, [...(grouped.get(key) ?? []), note]);
  }
  return grouped;
}

describe('restart recovery', () => {
  it('a receiver killed with SIGKILL mid-delivery and restarted on its data directory ends with exactly one note per (conversation, person), none lost', async () => {
    const lime = await startLime();
    const { presenterId, persons } = seed(lime);
    const meetings = conversations(persons);
    // DCI re-sends the first meeting with a newer summary: its notes are updated, not doubled.
    const resentMeeting = meetings[0]!;
    const resent = buildPayload(
      { ...resentMeeting.fields, summary: 'Revised summary of meeting 0.' },
      { timestamp: RESENT_TIMESTAMP },
    );
    const expectedKeys = meetings.flatMap((meeting) =>
      meeting.attendees.map((attendee) => `${meeting.id} person ${attendee.id}`),
    );
    lime.setLatency(LIME_LATENCY_MS);

    const dataDir = join(workDir!, 'data');
    const env = {
      DATA_DIR: dataDir,
      DCI_WEBHOOK_SECRETS: SECRET,
      LIME_URL: lime.baseUrl,
      LIME_API_KEY: TEST_API_KEY,
      INTERNAL_EMAIL_DOMAINS: 'seller.se',
      LOG_LEVEL: 'warn',
      WORKER_CONCURRENCY: '4',
      LEASE_SECONDS: String(LEASE_SECONDS),
    };
    const processes: ReceiverProcess[] = [];
    try {
      const first = await startReceiverProcess(mainJs, env);
      processes.push(first);
      const statuses = await postAll(first.url, [...meetings.map((meeting) => buildPayload(meeting.fields)), resent]);
      expect(statuses.filter((status) => status < 200 || status > 299)).toEqual([]);

      // Kill once a fifth of the notes are written: deliveries are in flight (notes being written concurrently,
      // some written in Lime but not yet recorded in the store).
      await waitFor(
        () => lime.all('history').length >= Math.ceil(expectedKeys.length / 5),
        30_000,
        'a fifth of the notes in Lime',
        10,
      );
      expect((await first.stop('SIGKILL')).signal).toBe('SIGKILL');
      const notesAtKill = lime.all('history').map((note) => Number(note['_id']));
      expect(notesAtKill.length).toBeGreaterThan(0);
      expect(notesAtKill.length).toBeLessThan(expectedKeys.length);
      const atKill = storedDeliveries(dataDir);
      expect(atKill).toHaveLength(SUMMARIES); // every acknowledged summary survived the kill
      const inFlightAtKill = atKill.filter((delivery) => delivery.status === 'in_progress');
      expect(inFlightAtKill.length).toBeGreaterThan(0);

      const second = await startReceiverProcess(mainJs, env);
      processes.push(second);
      // The cut-off deliveries are claimed again only once the killed process's leases run out.
      await waitFor(
        async () => lime.all('history').length >= expectedKeys.length && (await queueDepth(second.url)) === 0,
        60_000,
        'every delivery to finish after the restart',
        100,
      );

      const grouped = notesByConversationAndPerson(lime);
      const counted = [...grouped].map(([key, notes]) => `${key} ×${notes.length}`).sort();
      expect(counted).toEqual(expectedKeys.map((key) => `${key} ×1`).sort());
      for (const notes of grouped.values()) expect(notes[0]?.['coworker']).toBe(presenterId);
      for (const attendee of resentMeeting.attendees) {
        const note = String(grouped.get(`${resentMeeting.id} person ${attendee.id}`)?.[0]?.['note']);
        expect(note).toContain('Revised summary of meeting 0.');
        expect(note).not.toContain('Original summary of meeting 0.');
      }

      expect((await second.stop('SIGTERM')).code).toBe(0);
      const atEnd = storedDeliveries(dataDir);
      expect(atEnd.filter((delivery) => delivery.status !== 'delivered')).toEqual([]);
      expect(atEnd).toHaveLength(SUMMARIES);
      // The receiver synced its contact index from Lime at start (every seeded person is in it).
      expect(contactIndexSize(dataDir)).toBe(lime.all('person').length);
      // Each delivery the kill cut off counts that attempt, and was delivered by a later one.
      const attemptsOf = new Map(atEnd.map((delivery) => [delivery.conversationId, delivery.attempts]));
      for (const cutOff of inFlightAtKill) expect(attemptsOf.get(cutOff.conversationId)).toBeGreaterThanOrEqual(2);
      // Every note written before the kill — recorded or not — was found again and kept, never written twice.
      const ids = new Set(lime.all('history').map((note) => Number(note['_id'])));
      for (const id of notesAtKill) expect(ids.has(id)).toBe(true);
    } catch (error) {
      throw withOutputOf(processes, error);
    }
  });
  it('a receiver killed with SIGKILL while acknowledging a stream of summaries kept every summary it acknowledged', async () => {
    const dataDir = join(workDir!, 'data-ingest-kill');
    const env = { DATA_DIR: dataDir, DCI_WEBHOOK_SECRETS: SECRET, LOG_LEVEL: 'warn' };
    const processes: ReceiverProcess[] = [];
    try {
      const first = await startReceiverProcess(mainJs, env);
      processes.push(first);
      // Senders post new summaries without pause: the kill lands while bursts are being committed and answered.
      const acknowledged: string[] = [];
      const payloads = new Map<string, unknown>();
      let next = 0;
      let killed = false;
      const sender = async () => {
        while (!killed) {
          const id = conversationId(100_000 + next);
          next += 1;
          const payload = buildPayload({ id, title: `Streamed meeting ${id}` });
          payloads.set(id, payload);
          const status = await post(first.url, payload, `delivery-${id}`).catch(() => 0); // cut off by the kill: not acknowledged
          if (status === 202) acknowledged.push(id);
        }
      };
      const senders = Array.from({ length: 16 }, () => sender());
      await waitFor(() => acknowledged.length >= 400, 30_000, '400 acknowledged summaries', 5);
      killed = true;
      expect((await first.stop('SIGKILL')).signal).toBe('SIGKILL');
      const acknowledgedAtKill = [...acknowledged];
      await Promise.all(senders);

      const stored = new Set(storedDeliveries(dataDir).map((delivery) => delivery.conversationId));
      expect(acknowledgedAtKill.filter((id) => !stored.has(id))).toEqual([]);

      // Restarted on the same data, it answers DCI's retry of the last acknowledged summary as a duplicate (200).
      const second = await startReceiverProcess(mainJs, env);
      processes.push(second);
      const retried = acknowledgedAtKill.at(-1)!;
      expect(await post(second.url, payloads.get(retried), `delivery-${retried}`)).toBe(200);
      expect(storedDeliveries(dataDir).filter((delivery) => delivery.conversationId === retried)).toHaveLength(1);
      expect((await second.stop('SIGTERM')).code).toBe(0);
    } catch (error) {
      throw withOutputOf(processes, error);
    }
  });
});

describe('the compiled receiver on SQLite', () => {
  it('run as `npm start` runs it, reports at start that acknowledged summaries are stored with synchronous FULL by a thread with a small heap', async () => {
    const env = { DATA_DIR: join(workDir!, 'data-settings'), DCI_WEBHOOK_SECRETS: SECRET, LOG_LEVEL: 'info' };
    const receiver = await startReceiverProcess(mainJs, env, undefined, receiverNodeFlags());
    try {
      const opened = receiver
        .output()
        .split('\n')
        .map((line) => (line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : {}))
        .find((line) => line['msg'] === 'store opened');
      expect(opened?.['sqlite']).toMatchObject({
        journalMode: 'wal',
        synchronous: 'full',
        acceptThread: { synchronous: 'full', heapLimitMb: expect.any(Number) },
      });
      // The flag that enlarges the request thread's young generation did not reach the thread's.
      expect(receiverNodeFlags()).toContain('--max-semi-space-size=32');
      expect((opened?.['sqlite'] as { acceptThread: { heapLimitMb: number } }).acceptThread.heapLimitMb).toBeLessThan(
        48,
      );
      expect((await receiver.stop('SIGTERM')).code).toBe(0);
    } catch (error) {
      throw withOutputOf([receiver], error);
    }
  });

  it('a second SIGTERM while it shuts down is ignored: it stops once, with exit code 0 (npm start passes one on)', async () => {
    // `npm start` (scripts/start.js) passes SIGTERM and SIGINT on to the receiver; a signal sent to the process group
    // (a terminal's Ctrl+C, `kill -- -pgid`) then reaches it twice.
    const env = { DATA_DIR: join(workDir!, 'data-two-signals'), DCI_WEBHOOK_SECRETS: SECRET, LOG_LEVEL: 'info' };
    const receiver = await startReceiverProcess(mainJs, env, undefined, receiverNodeFlags());
    try {
      process.kill(receiver.pid, 'SIGTERM');
      await waitFor(() => receiver.output().includes('"msg":"shutting down"'), 15_000, 'the receiver to shut down');
      if (receiver.running()) process.kill(receiver.pid, 'SIGTERM');
      expect(await receiver.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      const messages = receiver
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(messages.filter((msg) => msg === 'shutting down')).toHaveLength(1);
      expect(messages).toContain('receiver stopped');
    } catch (error) {
      throw withOutputOf([receiver], error);
    }
  });

  it('a build whose accept thread cannot load stops at start with exit code 1 and says why', () => {
    const brokenDist = join(workDir!, 'dist-broken-accept-thread');
    cpSync(builtProduct().distDir, brokenDist, { recursive: true });
    writeFileSync(
      join(brokenDist, 'receiver', 'store', 'sqlite', 'sqliteAcceptWorker.js'),
      "throw new Error('this copy of the accept thread is damaged');\n",
    );

    const run = spawnSync(process.execPath, [join(brokenDist, 'receiver', 'main.js')], {
      env: {
        ...process.env,
        NODE_PATH: join(__dirname, '..', '..', 'node_modules'),
        DATA_DIR: join(workDir!, 'data-broken'),
        DCI_WEBHOOK_SECRETS: SECRET,
        PORT: '0',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });

    expect(run.status).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toMatch(
      /accept thread stopped \(exit code 1\): this copy of the accept thread is damaged/,
    );
  });
});
