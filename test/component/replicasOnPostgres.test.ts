import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { findConversationReference } from '../../src/core';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import type { LimeEmulator } from '../../src/sandbox/lime';
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

// Two receiver processes (the compiled product) on one PostgreSQL schema behind an imaginary load balancer: summaries
// go to both in turn, one replica is killed with SIGKILL half-way and started again. Slower than the in-process tests.
jest.setTimeout(180_000);

const SECRET = 'replicas-secret';
const SUMMARIES = 1000;
const PERSONS = 250;
/** Short, so the killed replica's claims run out within the test; a real operator keeps the 5-minute default. */
const LEASE_SECONDS = 5;
/** Added to every Lime request, so deliveries are still in flight on the killed replica when it dies. */
const LIME_LATENCY_MS = 15;
const BATCH = 20;

const schema = uniqueSchema('replicas');
const describeWithPostgres = postgresAvailable() ? describe : describe.skip;

interface Meeting {
  id: string;
  personIds: number[];
  payload: Record<string, unknown>;
}

/** Fixed-width ids: no conversation's reference is a prefix of another's. */
function conversationId(index: number): string {
  return `5eed0000-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

/** Persons at one company; every fifth meeting has two customers, so some deliveries write two notes. */
function seedMeetings(lime: LimeEmulator): Meeting[] {
  lime.insert('coworker', { firstname: 'Sara', lastname: 'Säljare', email: 'sara@seller.se' });
  const company = lime.insert('company', { name: 'Kund AB' });
  const persons = Array.from({ length: PERSONS }, (_, index) => {
    const email = `person${index}@kund.se`;
    return { email, id: lime.insert('person', { firstname: 'Person', lastname: String(index), email, company }) };
  });
  return Array.from({ length: SUMMARIES }, (_, index): Meeting => {
    const attendees = [persons[index % PERSONS]!, ...(index % 5 === 0 ? [persons[(index + 1) % PERSONS]!] : [])];
    const id = conversationId(index);
    const payload = buildPayload({
      id,
      title: `Replica meeting ${index}`,
      participants: attendees.map((person) =>
        buildParticipant({ name: `Customer ${person.id}`, email: person.email, company: 'Kund AB' }),
      ),
    });
    return { id, personIds: attendees.map((person) => person.id), payload };
  });
}

async function post(receiverUrl: string, payload: unknown): Promise<number> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${receiverUrl}/api/v1/dci/webhook`, {
    method: 'POST',
    headers: signDci(body, SECRET),
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

/** Posts the meetings in batches, each one to the next replica in turn (round robin); returns the statuses. */
async function postRoundRobin(replicas: readonly ReceiverProcess[], meetings: readonly Meeting[]): Promise<number[]> {
  const statuses: number[] = [];
  for (let start = 0; start < meetings.length; start += BATCH) {
    const batch = meetings.slice(start, start + BATCH);
    statuses.push(
      ...(await Promise.all(
        batch.map((meeting, i) => post(replicas[(start + i) % replicas.length]!.url, meeting.payload)),
      )),
    );
  }
  return statuses;
}

const statusCounts = z.array(z.object({ status: z.string(), count: z.number() }));

async function deliveriesByStatus(): Promise<Record<string, number>> {
  const rows = statusCounts.parse(
    await runSql(`SELECT status, COUNT(*)::integer AS count FROM "${schema}".deliveries GROUP BY status`),
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.count]));
}

/** Lime's history notes counted by `<conversation id> person <person id>`. */
function notesPerConversationAndPerson(lime: LimeEmulator): Map<string, number> {
  const counted = new Map<string, number>();
  for (const note of lime.all('history')) {
    const key = `${findConversationReference(String(note['note'])) ?? '(no reference)'} person ${String(note['person'])}`;
    counted.set(key, (counted.get(key) ?? 0) + 1);
  }
  return counted;
}

describeWithPostgres('several replicas on one PostgreSQL', () => {
  let workDir: string | undefined;
  let mainJs: string;

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'dci-replicas-'));
    mainJs = builtProduct().mainJs;
  });

  afterAll(async () => {
    await killAllReceivers();
    await closeAll();
    await dropSchema(schema);
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  it('1,000 summaries sent to two replicas in turn, one killed with SIGKILL half-way and restarted: every summary delivered, exactly one note per (conversation, person)', async () => {
    const lime = await startLime();
    const meetings = seedMeetings(lime);
    const expected = meetings.flatMap((meeting) => meeting.personIds.map((id) => `${meeting.id} person ${id}`));
    lime.setLatency(LIME_LATENCY_MS);
    const env = {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
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
      // Started together on an empty schema: one migrates, the other waits for it on the advisory lock.
      const [a, b] = await Promise.all([startReceiverProcess(mainJs, env), startReceiverProcess(mainJs, env)]);
      processes.push(a, b);

      const firstHalf = await postRoundRobin([a, b], meetings.slice(0, SUMMARIES / 2));
      expect(firstHalf.filter((status) => status !== 202)).toEqual([]);

      // Kill replica A while both are working through the backlog: some of its deliveries are in flight.
      await waitFor(() => lime.all('history').length >= 50, 30_000, 'the first notes in Lime', 10);
      expect((await a.stop('SIGKILL')).signal).toBe('SIGKILL');
      const atKill = await deliveriesByStatus();
      expect(atKill['in_progress'] ?? 0).toBeGreaterThan(0);
      expect(atKill['delivered'] ?? 0).toBeLessThan(SUMMARIES / 2);

      const restarted = await startReceiverProcess(mainJs, env);
      processes.push(restarted);
      const secondHalf = await postRoundRobin([restarted, b], meetings.slice(SUMMARIES / 2));
      expect(secondHalf.filter((status) => status !== 202)).toEqual([]);

      await waitFor(
        async () => (await deliveriesByStatus())['delivered'] === SUMMARIES,
        120_000,
        'every summary to be delivered',
        200,
      );

      const notes = notesPerConversationAndPerson(lime);
      const twice = [...notes].filter(([, count]) => count > 1);
      expect(twice).toEqual([]);
      expect([...notes.keys()].sort()).toEqual([...expected].sort());
      // The killed replica's cut-off attempts were taken over by a live one and show in the audit trail.
      const [{ lost }] = z
        .tuple([z.object({ lost: z.number() })])
        .parse(
          await runSql(`SELECT COUNT(*)::integer AS lost FROM "${schema}".attempts WHERE error_code = 'lease_expired'`),
        );
      expect(lost).toBeGreaterThan(0);

      expect((await b.stop('SIGTERM')).code).toBe(0);
      expect((await restarted.stop('SIGTERM')).code).toBe(0);
    } catch (error) {
      throw withOutputOf(processes, error);
    }
  });
});
