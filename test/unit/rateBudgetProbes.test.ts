import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BudgetWaitTooLong, budgetDeadlineOf, limitBudgetWait } from '../../src/crm/requestBudget';
import { createLogger } from '../../src/receiver/observability/logger';
import { SharedRequestBudget } from '../../src/receiver/rateBudget/sharedRequestBudget';
import { planTake, type RateBudgetRow, type WindowCounts } from '../../src/receiver/store/rateBudgetWindow';
import type { ReceiverStore } from '../../src/receiver/store/receiverStore';
import { openSqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import { waitFor } from '../support/waitFor';

// Issue 16 review, findings 3 and 4: a probe is never held back by deliveries waiting for the budget (on this
// replica or another one on the store), the sync still goes last; and a delivery whose wait for the budget would pass
// its attempt's deadline is refused at once and told so, rather than left to wait out its lease.

jest.setTimeout(20_000);

const NOW = new Date('2026-12-04T10:00:00Z');
const request = (purpose: 'delivery' | 'probe' | 'sync') => ({
  origin: 'https://acme.lime-crm.com',
  limit: 6,
  windowMs: 10_000,
  now: NOW,
  purpose,
});
const counts = (total: number): WindowCounts => ({
  total,
  byPurpose: { delivery: total, probe: 0, sync: 0 },
  refused: 0,
});

describe('the window rule (planTake)', () => {
  const deliveryWaiting: RateBudgetRow = { lowerings: 0, deliveryWaitingUntil: NOW.getTime() + 5_000 };
  const probeWaiting: RateBudgetRow = { lowerings: 0, probeWaitingUntil: NOW.getTime() + 5_000 };

  it.each([
    ['a probe, while a delivery waits', 'take', deliveryWaiting, 'probe'],
    ['a sync, while a delivery waits', 'wait', deliveryWaiting, 'sync'],
    ['a sync, while a probe waits', 'wait', probeWaiting, 'sync'],
    ['a delivery, while a probe waits', 'take', probeWaiting, 'delivery'],
  ] as const)('%s: %s', (_name, kind, row, purpose) => {
    expect(planTake(row, counts(2), request(purpose)).kind).toBe(kind);
  });

  it('a probe still waits for a full window and for a Retry-After', () => {
    expect(planTake(deliveryWaiting, counts(6), request('probe')).kind).toBe('wait');
    const blocked: RateBudgetRow = { lowerings: 0, blockedUntil: NOW.getTime() + 1_000 };
    expect(planTake(blocked, counts(0), request('probe'))).toEqual({
      kind: 'wait',
      until: blocked.blockedUntil,
      leaving: [],
    });
  });
});

describe('SharedRequestBudget over a real SQLite store', () => {
  let dataDir: string;
  let store: ReceiverStore;
  const logger = createLogger('silent');
  const budget = (windowMs = 400, requests = 2) =>
    new SharedRequestBudget({ store, origin: 'https://acme.lime-crm.com', limit: { requests, windowMs }, logger });

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'budget-probes-'));
    store = await openSqliteStore({ file: join(dataDir, 'receiver.sqlite') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Takes `count` requests for `purpose`; `done` says how many went through so far. */
  function takeMany(on: SharedRequestBudget, purpose: 'delivery' | 'probe' | 'sync', count: number) {
    let done = 0;
    const all = Promise.all(
      Array.from({ length: count }, () =>
        on.take(purpose).then((answered) => {
          done += 1;
          answered();
        }),
      ),
    );
    return { all, done: () => done };
  }

  it("a probe on one replica gets budget while another replica's deliveries wait for it", async () => {
    const busy = budget();
    const probing = budget();
    // Replica B has a backlog five windows long: its deliveries wait (and say so in the store).
    const backlog = takeMany(busy, 'delivery', 10);
    await waitFor(() => backlog.done() === 2, 5_000, 'the first window spent');

    const probe = takeMany(probing, 'probe', 1);
    await waitFor(() => probe.done() === 1, 10_000, 'the probe');
    // Most of the backlog still waits: the probe did not wait for it.
    expect(backlog.done()).toBeLessThan(8);
    await backlog.all;
  });

  it('on one replica, a probe goes before the deliveries waiting there, and a sync after them', async () => {
    const shared = budget();
    const deliveries = takeMany(shared, 'delivery', 6);
    await waitFor(() => deliveries.done() === 2, 5_000, 'the first window spent');
    const sync = takeMany(shared, 'sync', 1);
    const probe = takeMany(shared, 'probe', 1);

    await waitFor(() => probe.done() === 1, 10_000, 'the probe');
    expect(deliveries.done()).toBeLessThan(6);
    expect(sync.done()).toBe(0);
    await deliveries.all;
    await sync.all;
  });

  it('a delivery whose wait would pass its deadline is refused at once and marked; one with time left waits', async () => {
    const shared = budget(60_000, 1);
    (await shared.take('delivery'))();
    const late = new AbortController();
    const deadline = limitBudgetWait(late.signal, Date.now() + 2_000);
    const patient = new AbortController();
    limitBudgetWait(patient.signal, Date.now() + 10 * 60_000);

    await expect(shared.take('delivery', late.signal)).rejects.toBeInstanceOf(BudgetWaitTooLong);
    expect(deadline.exceeded).toBe(true);
    const waiting = shared.take('delivery', patient.signal);
    patient.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    // Aborted long before its deadline (a shutdown): not the budget's doing.
    expect(budgetDeadlineOf(patient.signal)?.exceeded).toBe(false);
  });
});
