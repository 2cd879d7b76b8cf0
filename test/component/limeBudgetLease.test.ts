import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningReceiver } from '../../src/receiver/startReceiver';
import type { LimeEmulator, LimeRequestView } from '../../src/sandbox/lime';
import { closeAll, startLime } from '../support/lime';
import { startOutageReceiver, type OutageReceiver } from '../support/outageHarness';
import { buildParticipant, buildPayload } from '../support/payloads';
import { WEBHOOK_SECRET } from '../support/receiver';
import { sendSigned, startLimeReceiver } from '../support/limeReceiver';
import { waitFor } from '../support/waitFor';

// Issue 16 review, findings 3 and 5: Lime's rate limit never costs a delivery an attempt. A 429 whose Retry-After
// outlasts what is left of an attempt's lease gives the deliveries waiting for the budget back uncounted (budget_wait)
// instead of letting the lease overrun count them; and a 429 makes no delivery a suspect of the outage circuit, so
// repeated 429s never dead-letter one. Real receiver, real SQLite, the Lime emulator over real HTTP; the lease is
// compressed to LEASE_SECONDS=5 (an attempt may run 4 s).

jest.setTimeout(30_000);

let dataDir: string;
const running: RunningReceiver[] = [];
let outage: OutageReceiver | undefined;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'budget-lease-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((receiver) => receiver.close()));
  await outage?.close();
  outage = undefined;
  await closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

async function startReplica(lime: LimeEmulator): Promise<RunningReceiver> {
  const receiver = await startLimeReceiver(lime, {
    dataDir,
    webhookSecret: WEBHOOK_SECRET,
    env: { CONTACT_INDEX_SYNC_HOURS: '0', WORKER_CONCURRENCY: '8', LIME_RATE_LIMIT: '60/3', LEASE_SECONDS: '5' },
  });
  running.push(receiver);
  return receiver;
}

async function send(receiver: RunningReceiver, payload: unknown): Promise<void> {
  expect(await sendSigned(receiver, payload, WEBHOOK_SECRET)).toBeLessThan(300);
}

/** Whether a request to Lime carries `email` (in the query string or the body). */
const mentions = (email: string) => (request: LimeRequestView) =>
  `${decodeURIComponent(request.query)} ${JSON.stringify(request.body ?? null)}`.includes(email);

describe("Lime's rate limit and the attempt's lease", () => {
  it('a 429 whose Retry-After outlasts the lease gives a waiting delivery back uncounted; both are delivered at attempt 1, each note once', async () => {
    const lime = await startLime();
    const company = lime.insert('company', { name: 'Acme AB' });
    const anna = lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se', company });
    const bo = lime.insert('person', { firstname: 'Bo', email: 'bo@acme.se', company });
    // Anna's meeting stops at its first request that names her, until Bo's meeting has met a 429 asking for 6 s:
    // longer than what is left of Anna's attempt (4 s in all).
    const held = lime.hold(mentions('anna@acme.se'));
    lime.failWhen(mentions('bo@acme.se'), { kind: 'status', status: 429, retryAfterSec: 6 });
    const receiver = await startReplica(lime);

    await send(
      receiver,
      buildPayload({ id: 'conv-anna', participants: [buildParticipant({ email: 'anna@acme.se' })] }),
    );
    await held.reached;
    await send(receiver, buildPayload({ id: 'conv-bo', participants: [buildParticipant({ email: 'bo@acme.se' })] }));
    await waitFor(() => lime.requests.some((entry) => entry.status === 429), 10_000, "Bo's 429");
    held.release();

    await waitFor(
      async () => (await receiver.store.counts()).byStatus.delivered === 2,
      25_000,
      'both delivered after the Retry-After',
      100,
    );
    const rows = await receiver.store.listDeliveries({ limit: 10 });
    const details = await Promise.all(rows.map(async (row) => receiver.store.getDelivery(row.id)));
    const byConversation = new Map(details.map((detail) => [detail?.conversationId, detail] as const));
    expect(rows.map((row) => row.attempts)).toEqual([1, 1]);
    const codes = (conversationId: string) =>
      byConversation.get(conversationId)?.attemptLog.map((entry) => entry.errorCode ?? entry.outcome);
    // Anna's attempt waited for the budget and was given back; Bo's met the 429 itself (the outage circuit's release).
    expect(codes('conv-anna')).toEqual(['budget_wait', 'delivered']);
    expect(codes('conv-bo')).toEqual(['crm_unavailable', 'delivered']);
    const errorCodes = details.flatMap((detail) => detail?.attemptLog.map((entry) => entry.errorCode) ?? []);
    expect(errorCodes).not.toContain('attempt_timeout');
    const notes = lime.all('history');
    expect([anna, bo].map((id) => notes.filter((note) => note['person'] === id).length)).toEqual([1, 1]);
  });

  it('repeated 429s never dead-letter a delivery through the suspect rule, even with one attempt allowed', async () => {
    const lime = await startLime();
    const acme = lime.insert('company', { name: 'Acme AB' });
    const anna = lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se', company: acme });
    // Every request that names Anna is refused with 429 four times; the probe (a read of the history type) is not:
    // each probe succeeds at once, as after an outage no probe confirmed.
    lime.failWhen(mentions('anna@acme.se'), { kind: 'status', status: 429 }, 4);
    outage = await startOutageReceiver(lime, { maxAttempts: 1, firstProbeMs: 50, probeCapMs: 100 });
    await outage.accept('conv-429');
    outage.worker.start();
    const store = outage.store;

    await waitFor(async () => (await store.counts()).byStatus.delivered === 1, 15_000, 'the delivery', 50);
    const [row] = await store.listDeliveries({ limit: 1 });
    const detail = await store.getDelivery(row!.id);
    expect(detail?.attempts).toBe(1);
    const log = detail?.attemptLog.map((entry) => entry.errorCode ?? entry.outcome);
    expect(log?.filter((code) => code === 'crm_unavailable')).toHaveLength(4);
    expect(log?.at(-1)).toBe('delivered');
    expect((await store.counts()).byStatus.dead).toBe(0);
    expect(lime.all('history').filter((note) => note['person'] === anna)).toHaveLength(1);
  });
});
