import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestPurpose } from '../../src/crm/requestBudget';
import { createLogger } from '../../src/receiver/observability/logger';
import { SharedRequestBudget } from '../../src/receiver/rateBudget/sharedRequestBudget';
import { openSqliteStore, type SqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';

// One process's request budget on a real SQLite store, with a window of a few hundred milliseconds: who waits, and in
// which order the waiting requests go when the window has room again.

let dir: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shared-budget-'));
  store = await openSqliteStore({ file: join(dir, 'receiver.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function budget(requests: number, windowMs: number): SharedRequestBudget {
  return new SharedRequestBudget({
    store,
    origin: 'http://lime.test',
    limit: { requests, windowMs },
    logger: createLogger('silent'),
  });
}

describe('the request budget of one process', () => {
  it('when the window has room again, the probe goes first (one request per probe interval), then the waiting deliveries, then the sync', async () => {
    // A window long enough that the four waiting takes are all queued before it has room again, however slow the
    // machine is at that moment (at 300 ms a loaded CI machine let the first delivery through before the probe).
    const shared = budget(4, 1500);
    for (let i = 0; i < 4; i += 1) (await shared.take('delivery'))();

    const order: RequestPurpose[] = [];
    const wanted: RequestPurpose[] = ['sync', 'probe', 'delivery', 'delivery'];
    await Promise.all(wanted.map((purpose) => shared.take(purpose).then(() => order.push(purpose))));

    expect(order).toEqual(['probe', 'delivery', 'delivery', 'sync']);
  });

  it('a take whose signal aborts while it waits rejects with the reason, and spends nothing', async () => {
    const shared = budget(1, 60_000);
    (await shared.take('delivery'))();
    const abort = new AbortController();

    const waiting = shared.take('delivery', abort.signal);
    abort.abort(new Error('shutting down'));

    await expect(waiting).rejects.toThrow('shutting down');
    expect((await shared.state()).spent).toEqual({ delivery: 1, probe: 0, sync: 0 });
  });

  it('the state says how much room is left for deliveries, less those already waiting', async () => {
    const shared = budget(3, 60_000);
    (await shared.take('sync'))();

    expect(await shared.state()).toMatchObject({ limit: 3, free: 2, spent: { delivery: 0, probe: 0, sync: 1 } });
  });
});
