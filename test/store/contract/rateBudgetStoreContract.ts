import type { BudgetPurpose } from '../../../src/receiver/store/ports/rateBudgetStore';
import type { ReceiverStore } from '../../../src/receiver/store/receiverStore';
import { at, type ContractStores, SECOND } from './contractFixtures';

/** The contract of RateBudgetStore: the CRM's sliding-window request budget every process on the store shares. */
export function describeRateBudgetStoreContract({ openStore }: ContractStores): void {
  describe('rate budget', () => {
    const ORIGIN = 'https://acme.lime-crm.com';
    const WINDOW = 10 * SECOND;
    const window = (ms: number, limit = 6, origin = ORIGIN) => ({ origin, limit, windowMs: WINDOW, now: at(ms) });
    /** A take's answer without the spend's id (`{ taken: true }`), to compare. */
    const take = async (
      store: ReceiverStore,
      ms: number,
      purpose: BudgetPurpose = 'delivery',
      limit = 6,
      origin = ORIGIN,
    ) => {
      const result = await store.takeFromRateBudget({ ...window(ms, limit, origin), purpose });
      return result.taken ? { taken: true as const } : result;
    };
    const takeMany = async (store: ReceiverStore, count: number, ms: number, purpose: BudgetPurpose = 'delivery') => {
      const results = [];
      for (let i = 0; i < count; i += 1) results.push(await take(store, ms, purpose));
      return results;
    };

    it('spends the whole limit at once, then says when the oldest spend leaves the window', async () => {
      const store = await openStore();
      await takeMany(store, 3, 0);
      await takeMany(store, 3, 2 * SECOND);

      expect(await take(store, 3 * SECOND)).toEqual({ taken: false, retryAt: at(WINDOW) });
      expect(await take(store, WINDOW - 1)).toEqual({ taken: false, retryAt: at(WINDOW) });
      // A sliding window: the three spent at 0 have left; the three spent at 2 s still count.
      expect(await takeMany(store, 3, WINDOW)).toEqual(Array(3).fill({ taken: true }));
      expect(await take(store, WINDOW)).toEqual({ taken: false, retryAt: at(WINDOW + 2 * SECOND) });
    });

    it('a caller that takes whenever it may never has more than the limit in any window, and nearly all of it', async () => {
      const store = await openStore();
      const taken: number[] = [];
      for (let t = 0; t < 5 * WINDOW;) {
        const result = await take(store, t);
        if (result.taken) {
          taken.push(t);
          t += 137;
        } else t = result.retryAt.getTime() - at(0).getTime();
      }

      const most = Math.max(...taken.map((start) => taken.filter((t) => t >= start && t < start + WINDOW).length));
      expect(most).toBe(6);
      expect(taken.length).toBeGreaterThanOrEqual(5 * 6 - 2);
    });

    it('the sync spends at most a third of the limit; deliveries may still spend the rest', async () => {
      const store = await openStore();

      expect(await takeMany(store, 2, 0, 'sync')).toEqual(Array(2).fill({ taken: true }));
      expect(await take(store, SECOND, 'sync')).toEqual({ taken: false, retryAt: at(WINDOW) });
      expect(await takeMany(store, 4, SECOND, 'delivery')).toEqual(Array(4).fill({ taken: true }));
      expect(await take(store, SECOND, 'delivery')).toEqual({ taken: false, retryAt: at(WINDOW) });
    });

    it('while a delivery waits, syncs hold back until a little after it may go; a probe does not', async () => {
      const store = await openStore();
      await takeMany(store, 6, 0, 'delivery');
      const waiting = await take(store, SECOND, 'delivery');
      expect(waiting).toEqual({ taken: false, retryAt: at(WINDOW) });

      const sync = await take(store, WINDOW, 'sync');
      expect(sync.taken).toBe(false);
      // One request per probe interval: it goes as soon as the window has room, before the waiting delivery.
      expect(await take(store, WINDOW, 'probe')).toEqual({ taken: true });
      const after = !sync.taken ? sync.retryAt.getTime() - at(0).getTime() : 0;
      expect(after).toBeGreaterThan(WINDOW);
      expect(await take(store, after, 'sync')).toEqual({ taken: true });
    });

    it('while a probe waits, syncs hold back; deliveries do not', async () => {
      const store = await openStore();
      await takeMany(store, 6, 0, 'delivery');
      expect((await take(store, SECOND, 'probe')).taken).toBe(false);

      expect((await take(store, WINDOW, 'sync')).taken).toBe(false);
      expect(await take(store, WINDOW, 'delivery')).toEqual({ taken: true });
    });

    it('a 429 lowers the limit to what the CRM let through until the window has passed', async () => {
      const store = await openStore();
      await takeMany(store, 5, 0);
      await store.recordRateLimited(window(100));

      const state = await store.readRateBudget(window(SECOND));
      expect(state).toMatchObject({ limit: 4, spent: { delivery: 5, probe: 0, sync: 0 }, free: 0 });
      expect(state.loweredUntil).toEqual(at(100 + WINDOW));
      // The lowered limit (4) is reached until the spends at 0 leave the window (a little before it ends).
      expect(await take(store, 3 * SECOND)).toEqual({ taken: false, retryAt: at(WINDOW) });
      expect(await takeMany(store, 6, WINDOW + 100)).toEqual(Array(6).fill({ taken: true }));
    });

    it("nothing is spent before the 429's Retry-After has passed", async () => {
      const store = await openStore();
      await takeMany(store, 5, 0);
      await store.recordRateLimited({ ...window(100), retryAfterMs: 12 * SECOND });

      expect(await take(store, SECOND)).toEqual({ taken: false, retryAt: at(12_100) });
      expect(await take(store, WINDOW + 500)).toEqual({ taken: false, retryAt: at(12_100) });
      expect((await store.readRateBudget(window(WINDOW + 500))).freesAt).toEqual(at(12_100));
      expect(await takeMany(store, 6, 12_100)).toEqual(Array(6).fill({ taken: true }));
    });

    it('a 429 again right after a lowering ended holds the lower limit twice as long', async () => {
      const store = await openStore();
      await takeMany(store, 4, 0);
      await store.recordRateLimited(window(0));
      expect((await store.readRateBudget(window(0))).loweredUntil).toEqual(at(WINDOW));

      await takeMany(store, 4, WINDOW + 1);
      await store.recordRateLimited(window(WINDOW + 2));

      const state = await store.readRateBudget(window(WINDOW + 2));
      expect(state.limit).toBe(3);
      expect(state.loweredUntil).toEqual(at(WINDOW + 2 + 2 * WINDOW));
    });

    it('several 429s in a row lower the limit to what got through, not one less each', async () => {
      const store = await openStore();
      await takeMany(store, 6, 0);
      for (let i = 0; i < 3; i += 1) await store.recordRateLimited(window(10));

      expect((await store.readRateBudget(window(10))).limit).toBe(3);
    });

    it('reading the budget says how much is free and, when nothing is, when the next request may go', async () => {
      const store = await openStore();
      await takeMany(store, 2, 0, 'sync');
      await takeMany(store, 1, SECOND, 'probe');

      expect(await store.readRateBudget(window(SECOND))).toMatchObject({
        limit: 6,
        spent: { delivery: 0, probe: 1, sync: 2 },
        free: 3,
      });
      await takeMany(store, 3, 2 * SECOND);
      expect(await store.readRateBudget(window(3 * SECOND))).toMatchObject({ free: 0, freesAt: at(WINDOW) });
    });

    it('each origin is a budget of its own', async () => {
      const store = await openStore();
      await takeMany(store, 6, 0);

      expect((await take(store, 0)).taken).toBe(false);
      expect(await take(store, 0, 'delivery', 6, 'https://other.lime-crm.com')).toEqual({ taken: true });
    });

    it('a spend moved to when its answer came counts from then; never moved earlier', async () => {
      const store = await openStore();
      const first = await store.takeFromRateBudget({ ...window(0), purpose: 'delivery' });
      await takeMany(store, 5, SECOND);
      if (!first.taken) throw new Error('the first take was refused');

      await store.restampRateBudgetSpends({ origin: ORIGIN, spends: [{ id: first.spendId, at: at(1500) }] });
      expect(await take(store, WINDOW)).toEqual({ taken: false, retryAt: at(WINDOW + SECOND) });
      await store.restampRateBudgetSpends({ origin: ORIGIN, spends: [{ id: first.spendId, at: at(500) }] });
      // The five spent at 1 s have left; the first, moved to 1.5 s (not back to 0.5 s), still counts.
      expect(await takeMany(store, 5, WINDOW + SECOND)).toEqual(Array(5).fill({ taken: true }));
      expect(await take(store, WINDOW + SECOND)).toEqual({ taken: false, retryAt: at(WINDOW + 1500) });
    });

    it('two stores on one database share one budget: never both spend the last request', async () => {
      const stores = [await openStore(), await openStore()];

      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          stores[i % 2]!.takeFromRateBudget({ ...window(0, 10), purpose: 'delivery' }),
        ),
      );

      expect(results.filter((result) => result.taken)).toHaveLength(10);
      expect((await stores[1]!.readRateBudget(window(0, 10))).spent.delivery).toBe(10);
    });
  });
}
