import type { ReceiverStore } from '../../../src/receiver/store/receiverStore';
import { at, type ContractStores, HOUR, MINUTE, SECOND } from './contractFixtures';

/** The contract of RateBuckets: the request budgets every process on the store shares. */
export function describeRateBucketsContract({ openStore }: ContractStores): void {
  describe('rate buckets', () => {
    // 60 a minute: 6 at once, then one every 60 000 / 54 ms, so no sliding minute ever holds more than 60.
    const PER_TOKEN = Math.ceil(MINUTE / 54);
    const take = (store: ReceiverStore, now: Date, perMinute = 60, key = 'dci-api') =>
      store.takeRateToken({ key, now, perMinute });

    it('a new bucket gives a tenth of its minute at once, then waits as long as one token takes to refill', async () => {
      const store = await openStore();

      for (let i = 0; i < 6; i += 1) expect(await take(store, at(0))).toBe(0);

      expect(await take(store, at(0))).toBe(PER_TOKEN);
      expect(await take(store, at(500))).toBe(PER_TOKEN - 500);
      expect(await take(store, at(PER_TOKEN))).toBe(0);
    });

    it('a caller that takes whenever it may never gets more than the limit into any minute, and nearly all of it', async () => {
      const store = await openStore();
      const taken: number[] = [];
      for (let t = 0; t < 3 * MINUTE;) {
        const wait = await take(store, at(t));
        if (wait === 0) taken.push(t);
        else t += wait;
      }

      const mostInAMinute = Math.max(
        ...taken.map((start) => taken.filter((t) => t >= start && t < start + MINUTE).length),
      );
      expect(mostInAMinute).toBeLessThanOrEqual(60);
      expect(mostInAMinute).toBeGreaterThanOrEqual(58);
    });

    it('a wait is rounded up to whole milliseconds', async () => {
      const store = await openStore();
      await take(store, at(0), 7);

      const wait = await take(store, at(0), 7);

      expect(wait).toBe(Math.ceil(MINUTE / 6));
      expect(await take(store, at(wait), 7)).toBe(0);
    });

    it('the bucket refills with the clock, never beyond its capacity', async () => {
      const store = await openStore();
      for (let i = 0; i < 6; i += 1) await take(store, at(0));

      for (let i = 0; i < 6; i += 1) expect(await take(store, at(30 * SECOND))).toBe(0);
      expect(await take(store, at(30 * SECOND))).toBe(PER_TOKEN);

      for (let i = 0; i < 6; i += 1) expect(await take(store, at(HOUR))).toBe(0);
      expect(await take(store, at(HOUR))).toBe(PER_TOKEN);
    });

    it('a pause wins over the tokens left; a later pause wins, an earlier one changes nothing', async () => {
      const store = await openStore();
      expect(await take(store, at(0))).toBe(0);

      await store.pauseRateBucket({ key: 'dci-api', until: at(MINUTE) });
      expect(await take(store, at(0))).toBe(MINUTE);
      await store.pauseRateBucket({ key: 'dci-api', until: at(30 * SECOND) });
      expect(await take(store, at(20 * SECOND))).toBe(40 * SECOND);
      await store.pauseRateBucket({ key: 'dci-api', until: at(2 * MINUTE) });
      expect(await take(store, at(MINUTE))).toBe(MINUTE);

      for (let i = 0; i < 6; i += 1) expect(await take(store, at(2 * MINUTE))).toBe(0);
      expect(await take(store, at(2 * MINUTE))).toBe(PER_TOKEN);
    });

    it('a pause creates a full bucket when there was none', async () => {
      const store = await openStore();
      await store.pauseRateBucket({ key: 'new-key', until: at(MINUTE) });

      expect(await take(store, at(0), 60, 'new-key')).toBe(MINUTE);
      for (let i = 0; i < 6; i += 1) expect(await take(store, at(MINUTE), 60, 'new-key')).toBe(0);
      expect(await take(store, at(MINUTE), 60, 'new-key')).toBe(PER_TOKEN);
    });

    it('each key is a bucket of its own', async () => {
      const store = await openStore();
      for (let i = 0; i < 6; i += 1) await take(store, at(0), 60, 'dci-api');

      expect(await take(store, at(0), 60, 'dci-api')).toBe(PER_TOKEN);
      expect(await take(store, at(0), 60, 'lime-api')).toBe(0);
    });

    it('two stores on one database share one bucket', async () => {
      const stores = [await openStore(), await openStore()];

      const waits = await Promise.all(Array.from({ length: 20 }, (_, i) => take(stores[i % 2]!, at(0), 100)));

      expect(waits.filter((wait) => wait === 0)).toHaveLength(10);
      expect(await take(stores[0]!, at(0), 100)).toBe(Math.ceil(MINUTE / 90));
      expect(await take(stores[1]!, at(Math.ceil(MINUTE / 90)), 100)).toBe(0);
    });
  });
}
