import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningReceiver } from '../../src/receiver/startReceiver';
import type { LimeEmulator, LimeRequestLogEntry } from '../../src/sandbox/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import { closeAll, startLime } from '../support/lime';
import { dropSchema, postgresAvailable, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';
import { WEBHOOK_SECRET } from '../support/receiver';
import { sendSigned, startLimeReceiver } from '../support/limeReceiver';
import { waitFor } from '../support/waitFor';

// Lime's request budget (LIME_RATE_LIMIT) against the Lime emulator's own rate limit (a sliding window per client
// IP, 429 + Retry-After) over real HTTP, with windows compressed to seconds: a backlog drains without a 429, two
// replicas on one PostgreSQL share one budget, a server whose real limit is lower teaches the budget with a few 429s,
// and a full contact-index sync leaves deliveries the budget.

jest.setTimeout(60_000);

const WINDOW_MS = 3000;

let dataDir: string;
const running: RunningReceiver[] = [];

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'rate-budget-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((receiver) => receiver.close()));
  await closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

async function startReplica(lime: LimeEmulator, env: Record<string, string> = {}): Promise<RunningReceiver> {
  const receiver = await startLimeReceiver(lime, {
    dataDir,
    webhookSecret: WEBHOOK_SECRET,
    env: {
      CONTACT_INDEX_SYNC_HOURS: '0',
      WORKER_CONCURRENCY: '8',
      LIME_RATE_LIMIT: `60/${WINDOW_MS / 1000}`,
      ...env,
    },
  });
  running.push(receiver);
  return receiver;
}

/** `count` persons in Lime, each the one external participant of a meeting of its own. */
function meetings(lime: LimeEmulator, count: number): Array<{ personId: number; payload: Record<string, unknown> }> {
  const company = lime.insert('company', { name: 'Acme AB' });
  return Array.from({ length: count }, (_, i) => {
    const email = `contact${i}@acme.se`;
    const personId = lime.insert('person', { firstname: 'Contact', lastname: `N${i}`, email, company });
    return { personId, payload: buildPayload({ participants: [buildParticipant({ email })] }) };
  });
}

async function send(receiver: RunningReceiver, payload: unknown): Promise<void> {
  expect(await sendSigned(receiver, payload, WEBHOOK_SECRET)).toBeLessThan(300);
}

async function allDelivered(receiver: RunningReceiver, count: number, timeoutMs = 40_000): Promise<void> {
  await waitFor(
    async () => (await receiver.store.counts()).byStatus.delivered === count,
    timeoutMs,
    `${count} deliveries delivered`,
    100,
  );
}

const rateLimited = (lime: LimeEmulator) => lime.requests.filter((entry) => entry.status === 429).length;

function notesPerPerson(lime: LimeEmulator, personIds: number[]): number[] {
  const notes = lime.all('history');
  return personIds.map((id) => notes.filter((note) => note['person'] === id).length);
}

/** A page of the contact-index export (pages of 500 persons), not a delivery's candidate query. */
function isSyncPage(entry: LimeRequestLogEntry): boolean {
  return entry.path.startsWith('/api/v1/query') && decodeURIComponent(entry.query).includes('"limit":500');
}

async function metric(receiver: RunningReceiver, name: string): Promise<string[]> {
  const text = await (await fetch(`${receiver.url}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith(name));
}

describe("Lime's request budget", () => {
  it('a backlog several windows long drains without one 429, every meeting written once', async () => {
    const lime = await startLime({ rateLimit: { requests: 60, windowMs: WINDOW_MS } });
    const backlog = meetings(lime, 60);
    const receiver = await startReplica(lime);

    for (const { payload } of backlog) await send(receiver, payload);
    await allDelivered(receiver, backlog.length);

    expect(rateLimited(lime)).toBe(0);
    // Far more than one window's worth of requests went out.
    expect(lime.requests.length).toBeGreaterThan(2 * 60);
    expect(
      notesPerPerson(
        lime,
        backlog.map((meeting) => meeting.personId),
      ),
    ).toEqual(backlog.map(() => 1));
    expect(await metric(receiver, 'dci_lime_budget_requests_total{purpose="delivery"}')).toEqual([
      `dci_lime_budget_requests_total{purpose="delivery"} ${lime.requests.length}`,
    ]);
  });

  it('a server whose real limit is lower than configured answers a few 429s, each lowering the budget to what it let through; nothing is lost', async () => {
    const lime = await startLime({ rateLimit: { requests: 30, windowMs: WINDOW_MS } });
    const backlog = meetings(lime, 30);
    const receiver = await startReplica(lime);

    for (const { payload } of backlog) await send(receiver, payload);
    await allDelivered(receiver, backlog.length);

    const refused = rateLimited(lime);
    expect(refused).toBeGreaterThan(0);
    // A few: those in flight when the server started refusing, once per lowering; not one per request over the limit.
    expect(refused).toBeLessThanOrEqual(lime.requests.length / 10);
    expect(
      notesPerPerson(
        lime,
        backlog.map((meeting) => meeting.personId),
      ),
    ).toEqual(backlog.map(() => 1));
    expect(await metric(receiver, 'dci_lime_rate_limited_total')).toEqual([`dci_lime_rate_limited_total ${refused}`]);
  });

  it('a full contact-index sync during a backlog spends at most its share, and the deliveries are not starved', async () => {
    const lime = await startLime({ rateLimit: { requests: 60, windowMs: WINDOW_MS } });
    const backlog = meetings(lime, 45);
    const company = lime.insert('company', { name: 'Many AB' });
    for (let i = 0; i < 6000; i += 1) lime.insert('person', { firstname: 'Other', lastname: `P${i}`, company });
    const receiver = await startReplica(lime, { CONTACT_INDEX_SYNC_HOURS: '1' });

    for (const { payload } of backlog) await send(receiver, payload);
    await allDelivered(receiver, backlog.length);
    await waitFor(
      async () => (await receiver.store.contactIndexState('lime')).size >= 6000 + backlog.length,
      40_000,
      'the full sync',
      100,
    );

    expect(rateLimited(lime)).toBe(0);
    const lastDelivery = lime.requests.findLastIndex(
      (entry) => entry.method === 'POST' && entry.path.includes('history'),
    );
    const before = lime.requests.slice(0, lastDelivery + 1);
    const syncPages = before.filter(isSyncPage).length;
    // While meetings waited, the sync had at most a third of the requests; deliveries had the rest.
    expect(syncPages).toBeLessThanOrEqual(Math.ceil(before.length / 3));
    expect(
      notesPerPerson(
        lime,
        backlog.map((meeting) => meeting.personId),
      ),
    ).toEqual(backlog.map(() => 1));
  });

  const schema = uniqueSchema('rate_budget_replicas');
  const itWithPostgres = postgresAvailable() ? it : it.skip;
  if (!postgresAvailable()) {
    process.stdout.write('limeRateBudget: PostgreSQL is not reachable; the two-replica test is skipped\n');
  }

  itWithPostgres('two replicas on one PostgreSQL share one budget: no 429, both deliver', async () => {
    await dropSchema(schema);
    try {
      const lime = await startLime({ rateLimit: { requests: 60, windowMs: WINDOW_MS } });
      const backlog = meetings(lime, 60);
      const env = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema };
      const replicas = [await startReplica(lime, env), await startReplica(lime, env)];

      for (const [i, { payload }] of backlog.entries()) await send(replicas[i % 2]!, payload);
      await allDelivered(replicas[0]!, backlog.length);

      expect(rateLimited(lime)).toBe(0);
      expect(lime.requests.length).toBeGreaterThan(2 * 60);
      for (const replica of replicas) {
        const [delivered] = await metric(replica, 'dci_delivery_attempts_total{outcome="delivered"}');
        expect(Number(delivered?.split(' ')[1] ?? 0)).toBeGreaterThan(0);
      }
      expect(
        notesPerPerson(
          lime,
          backlog.map((meeting) => meeting.personId),
        ),
      ).toEqual(backlog.map(() => 1));
    } finally {
      await Promise.all(running.splice(0).map((receiver) => receiver.close()));
      await dropSchema(schema);
    }
  });
});
