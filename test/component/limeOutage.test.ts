import { closeAll, notesOf, startLime, TEST_API_KEY } from '../support/lime';
import { startOutageReceiver, type OutageReceiver } from '../support/outageHarness';
import { waitFor } from '../support/waitFor';
import type { LimeEmulator } from '../../src/sandbox/lime';

let lime: LimeEmulator;
let receiver: OutageReceiver | undefined;
let anna: number;

beforeEach(async () => {
  lime = await startLime();
  const acme = lime.insert('company', { name: 'Acme AB' });
  anna = lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se', company: acme });
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await closeAll();
});

async function deliveryOf(conversationId: string) {
  const row = (await receiver!.store.listDeliveries({ search: conversationId, limit: 1 }))[0];
  if (row === undefined) throw new Error(`no delivery for ${conversationId}`);
  return row;
}

const PROBE_PATH = '/limetype/history/';

describe('when Lime is out', () => {
  it('after six 503s with Retry-After 1 the note is written as soon as Lime answers, without spending an attempt', async () => {
    receiver = await startOutageReceiver(lime);
    lime.failNext(6, { kind: 'status', status: 503, retryAfterSec: 1 });
    await receiver.accept('conv-six');
    receiver.worker.start();

    // Backing off per delivery (15 s, 30 s, 60 s …) this took about eight minutes; the probes follow Retry-After.
    await waitFor(async () => (await deliveryOf('conv-six')).status === 'delivered', 15_000, 'the note');
    expect(notesOf(lime, anna)).toHaveLength(1);
    const row = await deliveryOf('conv-six');
    expect(row.attempts).toBe(1);
    const detail = await receiver.store.getDelivery(row.id);
    expect(detail?.attemptLog.map((attempt) => [attempt.outcome, attempt.errorCode ?? null])).toEqual([
      ['retry', 'crm_unavailable'],
      ['delivered', null],
    ]);
    // The delivery's first reads (sent at once) met the outage; from the first probe on, every 503 went to a probe.
    const failed = lime.requests.filter((request) => request.status === 503);
    expect(failed).toHaveLength(6);
    const isProbe = (request: (typeof failed)[number]) => request.method === 'GET' && request.path.endsWith(PROBE_PATH);
    const firstProbe = failed.findIndex(isProbe);
    expect(firstProbe).toBeGreaterThanOrEqual(1);
    expect(failed.slice(firstProbe).every(isProbe)).toBe(true);
    // Each failed probe, then the one Lime answered.
    expect(receiver.budget.taken.filter((take) => take.purpose === 'probe')).toHaveLength(
      failed.length - firstProbe + 1,
    );
    expect(receiver.availability.isAvailable()).toBe(true);
  }, 30_000);

  it('with 200 meetings queued, only probes reach Lime during the outage and every meeting is delivered once after it', async () => {
    const concurrency = 4;
    receiver = await startOutageReceiver(lime, { concurrency, firstProbeMs: 100, probeCapMs: 1000 });
    lime.setLatency(20);
    let down = true;
    lime.failWhen(() => down, { kind: 'status', status: 503 }, 1_000_000);
    const ids = Array.from({ length: 200 }, (_unused, index) => `conv-${String(index).padStart(3, '0')}`);
    for (const id of ids) await receiver.accept(id);
    const takenBefore = () => receiver!.budget.taken.filter((take) => take.purpose === 'delivery').length;
    receiver.worker.start();

    // About ten seconds of outage: 0.1 + 0.2 + 0.4 + 0.8 s, then a probe a second.
    await waitFor(
      () => receiver!.budget.taken.filter((take) => take.purpose === 'probe').length >= 10,
      20_000,
      'ten probes',
    );
    const firstProbeAt = Math.min(
      ...receiver.budget.taken.filter((take) => take.purpose === 'probe').map((take) => take.at),
    );
    const deliveryRequestsBeforeProbing = takenBefore();
    const state = receiver.availability.state();
    expect(state).toMatchObject({ kind: 'unavailable', code: 'server_error', status: 503 });
    down = false;
    const recoveredAt = Date.now();
    await waitFor(
      async () => (await receiver!.store.counts()).byStatus.delivered === ids.length,
      25_000,
      'all 200 delivered',
      50,
    );

    // During the outage only the deliveries in flight when it began met it (their first reads, sent at once); from
    // the first probe until Lime answered again, probes alone reached it.
    expect(deliveryRequestsBeforeProbing).toBeLessThanOrEqual(concurrency * 3);
    const duringProbing = receiver.budget.taken.filter(
      (take) => take.purpose === 'delivery' && take.at >= firstProbeAt && take.at < recoveredAt,
    );
    expect(duringProbing).toEqual([]);
    // Exactly once each, and no attempt spent on Lime's outage.
    expect(notesOf(lime, anna)).toHaveLength(ids.length);
    const rows = await receiver.store.listDeliveries({ limit: 1000 });
    expect(rows.filter((row) => row.status === 'delivered')).toHaveLength(ids.length);
    expect(rows.every((row) => row.attempts === 1)).toBe(true);
    const released = await Promise.all(
      rows.map(async (row) => (await receiver!.store.getDelivery(row.id))?.attemptLog.length ?? 0),
    );
    expect(released.filter((entries) => entries > 1).length).toBeLessThanOrEqual(concurrency);

    // No thundering retry: after recovery Lime sees at most `concurrency` deliveries' requests at once. Each
    // delivery's requests go one after another, so per second that is at most concurrency × requests a delivery
    // can send in a second (latency 20 ms here → 50): a ceiling only a worker exceeding its concurrency can pass.
    const after = receiver.budget.taken.filter((take) => take.purpose === 'delivery' && take.at >= recoveredAt);
    const perSecond = new Map<number, number>();
    for (const take of after) {
      const second = Math.floor((take.at - recoveredAt) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    expect(after.length).toBeGreaterThanOrEqual(ids.length);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(concurrency * (1000 / 20) + concurrency);
  }, 60_000);

  it('a meeting that Lime fails with a 500 while Lime answers probes still counts its attempts and ends in the dead letters', async () => {
    let offsetMs = 0;
    receiver = await startOutageReceiver(lime, {
      maxAttempts: 2,
      firstProbeMs: 50,
      now: () => new Date(Date.now() + offsetMs),
    });
    lime.insert('person', { firstname: 'Bert', email: 'bert@acme.se' });
    lime.failWhen((request) => request.query.includes('bert'), { kind: 'status', status: 500 }, 1_000_000);
    await receiver.accept('conv-bad', 'bert@acme.se');
    receiver.worker.start();

    await waitFor(async () => (await deliveryOf('conv-bad')).status === 'retrying', 10_000, 'a counted retry');
    offsetMs += 3600 * 1000;
    receiver.worker.wake();
    await waitFor(async () => (await deliveryOf('conv-bad')).status === 'dead', 10_000, 'the dead letter');

    const row = await deliveryOf('conv-bad');
    expect(row).toMatchObject({ lastErrorCode: 'server_error', attempts: 2 });
    const detail = await receiver.store.getDelivery(row.id);
    expect(detail?.attemptLog.map((attempt) => [attempt.outcome, attempt.errorCode])).toEqual([
      ['retry', 'crm_unavailable'],
      ['retry', 'server_error'],
      ['dead', 'server_error'],
    ]);
    // Meanwhile other meetings go through: the circuit is closed.
    expect(receiver.availability.isAvailable()).toBe(true);
    await receiver.accept('conv-good');
    receiver.worker.wake();
    await waitFor(async () => (await deliveryOf('conv-good')).status === 'delivered', 10_000, 'the good meeting');
  });

  it('a probe that Lime answers with 401 (the key revoked during the outage) ends it: the delivery goes to the dead letters', async () => {
    receiver = await startOutageReceiver(lime, { firstProbeMs: 50, probeCapMs: 100 });
    let down = true;
    lime.failWhen(() => down, { kind: 'status', status: 503 }, 1_000_000);
    await receiver.accept('conv-revoked');
    receiver.worker.start();
    await waitFor(() => !receiver!.availability.isAvailable(), 10_000, 'the outage');
    lime.setApiKey(TEST_API_KEY, undefined);
    down = false;

    await waitFor(async () => (await deliveryOf('conv-revoked')).status === 'dead', 10_000, 'the dead letter');
    expect(await deliveryOf('conv-revoked')).toMatchObject({ lastErrorCode: 'unauthorized', attempts: 1 });
    expect(receiver.availability.isAvailable()).toBe(true);
  });
});
