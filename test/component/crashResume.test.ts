import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { findConversationReference } from '../../src/core';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import type { HeldRequest, LimeEmulator, LimeRequestView } from '../../src/sandbox/lime';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import { dropSchema, postgresAvailable, runSql, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';
import {
  builtProduct,
  killAllReceivers,
  startReceiverProcess,
  withOutputOf,
  type ReceiverProcess,
} from '../support/receiverProcess';
import { waitFor } from '../support/waitFor';

// A receiver SIGKILLed in the middle of a burst, with the default 5-minute lease: the deliveries it had claimed are
// taken back by the next worker at once (SQLite: the restarted receiver; PostgreSQL: the other replica, once the dead
// one's heartbeat has stopped), not when their lease runs out. One of them is killed after Lime created its note and
// before the receiver recorded it: the next attempt finds that note instead of writing a second one.

jest.setTimeout(60_000);

const SECRET = 'crash-resume-secret';
const MEETINGS = 80;
/** Added to every Lime request, so that deliveries are in flight when the receiver dies. */
const LIME_LATENCY_MS = 50;
/** The meeting whose note is written in Lime when the receiver dies, its answer never received. */
const CUT_OFF = 0;

let workDir: string;
let mainJs: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'dci-crash-resume-'));
  mainJs = builtProduct().mainJs;
});

afterEach(async () => {
  await killAllReceivers();
  await closeAll();
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** Fixed-width ids: no conversation's reference is a prefix of another's. */
function conversationId(index: number): string {
  return `c4a5e000-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

interface Meeting {
  id: string;
  personId: number;
  payload: unknown;
}

/** One customer per meeting, each a person of their own at one company. */
function seedMeetings(lime: LimeEmulator): Meeting[] {
  lime.insert('coworker', { firstname: 'Sara', lastname: 'Säljare', email: 'sara@seller.se' });
  const company = lime.insert('company', { name: 'Kund AB' });
  return Array.from({ length: MEETINGS }, (_, index): Meeting => {
    const email = `person${index}@kund.se`;
    const personId = lime.insert('person', { firstname: 'Person', lastname: String(index), email, company });
    const id = conversationId(index);
    const payload = buildPayload({
      id,
      title: `Crash meeting ${index}`,
      participants: [buildParticipant({ name: `Customer ${index}`, email, company: 'Kund AB' })],
    });
    return { id, personId, payload };
  });
}

/** Holds the answer to the note POST of `conversation` once Lime has created the note. */
function holdNoteOf(lime: LimeEmulator, conversation: string): HeldRequest {
  const noteOf = (request: LimeRequestView) =>
    request.method === 'POST' &&
    request.path.endsWith('/history/') &&
    findConversationReference(String((request.body as Record<string, unknown> | undefined)?.['note'])) === conversation;
  return lime.hold(noteOf, 'after_handling');
}

async function reached(held: HeldRequest): Promise<void> {
  let done = false;
  void held.reached.then(() => (done = true));
  await waitFor(() => done, 30_000, 'the receiver to write the cut-off note');
}

/** Posts every meeting, ten at a time, to the receivers in turn; expects every one acknowledged. */
async function postAll(receivers: readonly ReceiverProcess[], meetings: readonly Meeting[]): Promise<void> {
  for (let start = 0; start < meetings.length; start += 10) {
    const statuses = await Promise.all(
      meetings.slice(start, start + 10).map(async (meeting, index) => {
        const body = JSON.stringify(meeting.payload);
        const receiver = receivers[(start + index) % receivers.length]!;
        const response = await fetch(`${receiver.url}/api/v1/dci/webhook`, {
          method: 'POST',
          headers: signDci(body, SECRET),
          body,
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses.filter((status) => status !== 202)).toEqual([]);
  }
}

/** Our notes in Lime, as `<conversation> person <id> ×<count>`. */
function notesPerMeeting(lime: LimeEmulator): string[] {
  const counts = new Map<string, number>();
  for (const note of lime.all('history')) {
    const key = `${findConversationReference(String(note['note'])) ?? '(none)'} person ${String(note['person'])}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${key} ×${count}`).sort();
}

function onceEach(meetings: readonly Meeting[]): string[] {
  return meetings.map((meeting) => `${meeting.id} person ${meeting.personId} ×1`).sort();
}

const leaseRow = z.object({
  id: z.string(),
  conversationId: z.string(),
  status: z.string(),
  attempts: z.number(),
  lockedBy: z.string().nullable(),
  lockedUntil: z.coerce.number().nullable(),
  deliveredAt: z.coerce.number().nullable(),
});
type LeaseRow = z.infer<typeof leaseRow>;

const attemptRow = z.object({ attempt: z.number(), errorCode: z.string().nullable() });

const LEASE_COLUMNS = `id, conversation_id AS "conversationId", status, attempts, locked_by AS "lockedBy"`;

/** What a SQLite receiver's database holds, read with a read-only connection while the process may still run. */
function onSqlite(dataDir: string) {
  const read = <T>(work: (db: Database.Database) => T): T => {
    const db = new Database(join(dataDir, 'receiver.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    deliveries: async (): Promise<LeaseRow[]> =>
      read((db) =>
        z
          .array(leaseRow)
          .parse(
            db
              .prepare(
                `SELECT ${LEASE_COLUMNS}, locked_until AS "lockedUntil", delivered_at AS "deliveredAt" FROM deliveries`,
              )
              .all(),
          ),
      ),
    attempts: async (deliveryId: string) =>
      read((db) =>
        z
          .array(attemptRow)
          .parse(
            db
              .prepare('SELECT attempt, error_code AS "errorCode" FROM attempts WHERE delivery_id = ? ORDER BY attempt')
              .all(deliveryId),
          ),
      ),
  };
}

/** The same on a PostgreSQL schema. */
function onPostgres(schema: string) {
  return {
    deliveries: async (): Promise<LeaseRow[]> =>
      z.array(leaseRow).parse(
        await runSql(
          `SELECT ${LEASE_COLUMNS}, (extract(epoch FROM locked_until) * 1000)::bigint AS "lockedUntil",
             (extract(epoch FROM delivered_at) * 1000)::bigint AS "deliveredAt"
           FROM "${schema}".deliveries`,
        ),
      ),
    attempts: async (deliveryId: string) =>
      z
        .array(attemptRow)
        .parse(
          await runSql(
            `SELECT attempt, error_code AS "errorCode" FROM "${schema}".attempts WHERE delivery_id = $1 ORDER BY attempt`,
            [deliveryId],
          ),
        ),
    workers: async () =>
      z
        .array(z.object({ id: z.string() }))
        .parse(await runSql(`SELECT id FROM "${schema}".workers`))
        .map((row) => row.id),
  };
}

type Database_ = ReturnType<typeof onSqlite>;

/**
 * What the killed worker held, checked once everything is delivered: each delivered before the lease it held at the
 * kill could have run out (so it was taken back, not reclaimed), the cut-off one after a `lease_expired` attempt.
 * Returns how long after the kill each was delivered, for the figures.
 */
async function expectTakenBackBeforeTheirLease(
  database: Database_,
  held: readonly LeaseRow[],
  cutOffId: string,
  killedAt: number,
): Promise<number[]> {
  const now = new Map((await database.deliveries()).map((row) => [row.id, row]));
  const waited: number[] = [];
  for (const before of held) {
    const after = now.get(before.id);
    expect(after).toMatchObject({ status: 'delivered', attempts: before.attempts + 1 });
    expect(after?.deliveredAt).toBeLessThan(before.lockedUntil ?? 0);
    waited.push((after?.deliveredAt ?? 0) - killedAt);
  }
  expect(await database.attempts(cutOffId)).toEqual([
    { attempt: 1, errorCode: 'lease_expired' },
    { attempt: 2, errorCode: null },
  ]);
  return waited;
}

function report(what: string, waited: readonly number[], leaseLeftMs: number): void {
  const sorted = [...waited].sort((a, b) => a - b);
  console.info(
    `${what}: ${sorted.length} deliveries held by the killed worker, delivered ${sorted
      .map((ms) => `${(ms / 1000).toFixed(1)} s`)
      .join(', ')} after the kill (their lease had ${(leaseLeftMs / 1000).toFixed(0)} s or more to run)`,
  );
}

describe('a receiver killed (SIGKILL) in a burst: its deliveries resume at once, each note written once', () => {
  it('SQLite: restarted at once, the receiver takes back its dead predecessor’s deliveries before their lease ends', async () => {
    const lime = await startLime();
    const meetings = seedMeetings(lime);
    lime.setLatency(LIME_LATENCY_MS);
    const dataDir = mkdtempSync(join(workDir, 'data-'));
    // The default lease (LEASE_SECONDS unset: 5 minutes).
    const env = {
      DATA_DIR: dataDir,
      DCI_WEBHOOK_SECRETS: SECRET,
      LIME_URL: lime.baseUrl,
      LIME_API_KEY: TEST_API_KEY,
      INTERNAL_EMAIL_DOMAINS: 'seller.se',
      LOG_LEVEL: 'warn',
    };
    const database = onSqlite(dataDir);
    const processes: ReceiverProcess[] = [];
    try {
      const first = await startReceiverProcess(mainJs, env);
      processes.push(first);
      const held = holdNoteOf(lime, meetings[CUT_OFF]!.id);
      await postAll([first], meetings);
      await reached(held);

      expect((await first.stop('SIGKILL')).signal).toBe('SIGKILL');
      const killedAt = Date.now();
      held.release(); // its answer goes nowhere: the receiver that asked is gone
      const inFlight = (await database.deliveries()).filter((row) => row.status === 'in_progress');
      const cutOff = inFlight.find((row) => row.conversationId === meetings[CUT_OFF]!.id);
      expect(cutOff).toBeDefined();
      expect(new Set(inFlight.map((row) => row.lockedBy)).size).toBe(1);
      expect(notesPerMeeting(lime)).toContain(`${meetings[CUT_OFF]!.id} person ${meetings[CUT_OFF]!.personId} ×1`);

      const restarted = await startReceiverProcess(mainJs, env);
      processes.push(restarted);
      await waitFor(
        async () => (await database.deliveries()).every((row) => row.status === 'delivered'),
        45_000,
        'every meeting to be delivered after the restart',
        100,
      );

      expect(notesPerMeeting(lime)).toEqual(onceEach(meetings));
      const waited = await expectTakenBackBeforeTheirLease(database, inFlight, cutOff!.id, killedAt);
      const leaseLeft = Math.min(...inFlight.map((row) => (row.lockedUntil ?? 0) - killedAt));
      report('SQLite, restarted at once', waited, leaseLeft);
      expect((await restarted.stop('SIGTERM')).code).toBe(0);
    } catch (error) {
      throw withOutputOf(processes, error);
    }
  });

  // postgresAvailable prints why PostgreSQL is not there, and throws under REQUIRE_POSTGRES=1 instead of skipping.
  const postgresUp = postgresAvailable();
  if (!postgresUp) {
    process.stdout.write('crashResume: PostgreSQL is not reachable; the two-replica test is skipped\n');
  }
  const withPostgres = postgresUp ? it : it.skip;
  withPostgres(
    'PostgreSQL: of two replicas, one killed, the other takes its deliveries once its heartbeat stopped',
    async () => {
      const schema = uniqueSchema('crash_resume');
      const lime = await startLime();
      const meetings = seedMeetings(lime);
      lime.setLatency(LIME_LATENCY_MS);
      // The default lease; beats every second, so a replica is presumed dead after four seconds of silence.
      const env = {
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        DCI_WEBHOOK_SECRETS: SECRET,
        LIME_URL: lime.baseUrl,
        LIME_API_KEY: TEST_API_KEY,
        INTERNAL_EMAIL_DOMAINS: 'seller.se',
        LOG_LEVEL: 'warn',
        WORKER_HEARTBEAT_SECONDS: '1',
      };
      const database = onPostgres(schema);
      const processes: ReceiverProcess[] = [];
      try {
        // Replica A alone claims the cut-off meeting; B joins while A works through the burst.
        const a = await startReceiverProcess(mainJs, env);
        processes.push(a);
        const held = holdNoteOf(lime, meetings[CUT_OFF]!.id);
        await postAll([a], meetings.slice(0, MEETINGS / 2));
        await reached(held);
        const b = await startReceiverProcess(mainJs, env);
        processes.push(b);
        await postAll([a, b], meetings.slice(MEETINGS / 2));
        const deadWorker = (await database.deliveries()).find(
          (row) => row.conversationId === meetings[CUT_OFF]!.id,
        )?.lockedBy;
        expect(deadWorker).toEqual(expect.any(String));
        await waitFor(async () => (await database.workers()).length === 2, 10_000, 'both replicas to beat');

        expect((await a.stop('SIGKILL')).signal).toBe('SIGKILL');
        const killedAt = Date.now();
        held.release();
        const inFlight = (await database.deliveries()).filter(
          (row) => row.status === 'in_progress' && row.lockedBy === deadWorker,
        );
        const cutOff = inFlight.find((row) => row.conversationId === meetings[CUT_OFF]!.id);
        expect(cutOff).toBeDefined();

        await waitFor(
          async () => (await database.deliveries()).every((row) => row.status === 'delivered'),
          45_000,
          'every meeting to be delivered by the surviving replica',
          100,
        );

        expect(notesPerMeeting(lime)).toEqual(onceEach(meetings));
        const waited = await expectTakenBackBeforeTheirLease(database, inFlight, cutOff!.id, killedAt);
        expect(await database.workers()).not.toContain(deadWorker);
        const leaseLeft = Math.min(...inFlight.map((row) => (row.lockedUntil ?? 0) - killedAt));
        report('PostgreSQL, the other replica (beat every 1 s)', waited, leaseLeft);
        expect((await b.stop('SIGTERM')).code).toBe(0);
      } catch (error) {
        throw withOutputOf(processes, error);
      } finally {
        await dropSchema(schema);
      }
    },
  );
});
