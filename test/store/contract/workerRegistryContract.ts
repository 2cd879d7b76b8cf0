import type { ReceiverStore } from '../../../src/receiver/store/receiverStore';
import type { TakenBack } from '../../../src/receiver/store/ports/workerRegistry';
import { waitFor } from '../../support/waitFor';
import {
  acceptedSummary,
  at,
  claim,
  complete,
  type ContractStores,
  DAY,
  detail,
  HOUR,
  LEASE_MS,
  queue,
  SECOND,
} from './contractFixtures';

/** Own intervals a worker may be silent for before a heartbeat store presumes it dead (WorkerHeartbeat's). */
const SILENT_BEATS = 4;
/** The beat interval of a worker that goes on running through a test: silent for minutes before it is presumed dead. */
const RUNNING_INTERVAL_MS = 60 * SECOND;
/**
 * The beat interval of a worker that dies in a test: a heartbeat store presumes it dead 40 ms after its last beat, on
 * the store's own clock (real time: the times the contract gives the stores are the workers' clocks, which a
 * heartbeat store does not trust).
 */
const DYING_INTERVAL_MS = 10;

/**
 * The contract of WorkerRegistry: the deliveries of a registered worker that no longer runs are taken back before
 * their lease runs out, as expired leases; a running worker's, and those of a worker that never registered, are not.
 * "No longer runs" is what each store can know: SQLite's workers hold a lock while their process runs (closing the
 * store is the process dying), PostgreSQL's beat, each at its own interval, judged on the server's clock.
 */
export function describeWorkerRegistryContract({ openStore, closeStore }: ContractStores): void {
  describe('worker registry', () => {
    const takeBack = (store: ReceiverStore, workerId: string, now: Date) =>
      store.takeBackAbandoned({ workerId, now, silentBeats: SILENT_BEATS });

    /** Takes back as `workerId` once a dead worker is found (a heartbeat store waits out its silence, a few ms). */
    async function takeBackOnceDead(store: ReceiverStore, workerId: string, now: Date): Promise<TakenBack> {
      let taken: TakenBack = { workers: [], deliveryIds: [] };
      await waitFor(
        async () => (taken = await takeBack(store, workerId, now)).workers.length > 0,
        5000,
        'a dead worker to be found',
        5,
      );
      return taken;
    }

    /**
     * A worker registered on a store of its own (its process) at `now`, holding `count` claimed deliveries, beating
     * every `intervalMs` (a worker about to die beats often, so that a heartbeat store finds it silent at once).
     */
    async function runningWorker(workerId: string, now: Date, count: number, intervalMs = DYING_INTERVAL_MS) {
      const store = await openStore();
      await store.beatWorker({ workerId, now, intervalMs });
      const deliveryIds = await Promise.all(Array.from({ length: count }, () => queue(store, acceptedSummary())));
      const claimed = await claim(store, now, workerId);
      expect(claimed.map((delivery) => delivery.deliveryId).sort()).toEqual([...deliveryIds].sort());
      return { store, claimed };
    }

    it('the deliveries of a worker whose process stopped are taken back, and claimed as expired leases at once', async () => {
      const dead = await runningWorker('worker-a', at(0), 2);
      await closeStore(dead.store);
      const survivor = await openStore();
      const now = at(SECOND);
      await survivor.beatWorker({ workerId: 'worker-b', now, intervalMs: RUNNING_INTERVAL_MS });

      const taken = await takeBackOnceDead(survivor, 'worker-b', now);

      expect(taken.workers).toEqual(['worker-a']);
      expect([...taken.deliveryIds].sort()).toEqual(dead.claimed.map((delivery) => delivery.deliveryId).sort());
      // Long before the lease's end (LEASE_MS): due now, the cut-off attempt counted and logged as lease_expired,
      // which makes the next attempt look in the CRM for notes written but never recorded.
      const reclaimed = await claim(survivor, now, 'worker-b');
      expect(reclaimed).toHaveLength(2);
      for (const delivery of reclaimed) {
        expect(delivery.attempt).toBe(2);
        expect((await detail(survivor, delivery.deliveryId)).attemptLog).toEqual([
          expect.objectContaining({ attempt: 1, outcome: 'retry', errorCode: 'lease_expired' }),
        ]);
      }
      expect(await takeBack(survivor, 'worker-b', now)).toEqual({ workers: [], deliveryIds: [] });
    });

    it('a result the presumed-dead worker reports after its delivery was claimed again is lost', async () => {
      const dead = await runningWorker('worker-a', at(0), 1);
      await closeStore(dead.store);
      const survivor = await openStore();
      const now = at(SECOND);
      await takeBackOnceDead(survivor, 'worker-b', now);
      await claim(survivor, now, 'worker-b');

      expect(await complete(survivor, dead.claimed[0]!, now, undefined, 'worker-a')).toBe('lost');
      expect(await detail(survivor, dead.claimed[0]!.deliveryId)).toMatchObject({ status: 'in_progress' });
    });

    it('a running worker that beats keeps its deliveries', async () => {
      const alive = await runningWorker('worker-a', at(0), 2, RUNNING_INTERVAL_MS);
      const other = await openStore();
      await alive.store.beatWorker({ workerId: 'worker-a', now: at(SECOND), intervalMs: RUNNING_INTERVAL_MS });

      expect(await takeBack(other, 'worker-b', at(2 * SECOND))).toEqual({ workers: [], deliveryIds: [] });
      expect(await claim(other, at(2 * SECOND), 'worker-b')).toEqual([]);
    });

    it("a worker's own deliveries are never taken back by itself, however long since it beat", async () => {
      const self = await runningWorker('worker-a', at(0), 1);
      // A worker that beat after it at the same interval, then died: once that one is found dead, so long has
      // worker-a been silent too.
      const later = await runningWorker('worker-c', at(0), 0);
      await closeStore(later.store);

      expect(await takeBackOnceDead(self.store, 'worker-a', at(HOUR))).toEqual({
        workers: ['worker-c'],
        deliveryIds: [],
      });
      expect(await takeBack(self.store, 'worker-a', at(HOUR))).toEqual({ workers: [], deliveryIds: [] });
      expect(await detail(self.store, self.claimed[0]!.deliveryId)).toMatchObject({ status: 'in_progress' });
    });

    it('deliveries locked by a worker that never registered (an older version) are left to their lease', async () => {
      const old = await openStore();
      const deliveryId = await queue(old, acceptedSummary());
      await claim(old, at(0), 'worker-old');
      await closeStore(old);
      const survivor = await openStore();

      expect(await takeBack(survivor, 'worker-b', at(SECOND))).toEqual({ workers: [], deliveryIds: [] });
      expect(await claim(survivor, at(LEASE_MS - 1), 'worker-b')).toEqual([]);
      expect((await claim(survivor, at(LEASE_MS), 'worker-b')).map((delivery) => delivery.deliveryId)).toEqual([
        deliveryId,
      ]);
    });

    it('a dead worker’s deliveries settled before it died are left as they are', async () => {
      const dead = await runningWorker('worker-a', at(0), 2);
      const [settled, cutOff] = dead.claimed;
      await complete(dead.store, settled!, at(SECOND));
      await closeStore(dead.store);
      const survivor = await openStore();

      const taken = await takeBackOnceDead(survivor, 'worker-b', at(2 * SECOND));

      expect(taken.deliveryIds).toEqual([cutOff!.deliveryId]);
      expect(await detail(survivor, settled!.deliveryId)).toMatchObject({ status: 'delivered' });
    });

    it('a retired worker (stopped gracefully) is forgotten', async () => {
      const store = await openStore();
      await store.beatWorker({ workerId: 'worker-a', now: at(0), intervalMs: DYING_INTERVAL_MS });
      await store.retireWorker('worker-a');
      const other = await openStore();

      expect(await takeBack(other, 'worker-b', at(HOUR))).toEqual({ workers: [], deliveryIds: [] });
    });

    it('how a stopped worker is told depends on what the store can know', async () => {
      const alive = await runningWorker('worker-a', at(0), 1, RUNNING_INTERVAL_MS);
      const other = await openStore();
      switch (other.workerLiveness) {
        case 'process_lock':
          // A worker whose process holds its lock runs, however long since it beat (a hung process: its lease
          // decides); the moment its process stops, it is dead, however fresh its beat.
          expect((await takeBack(other, 'worker-b', at(HOUR))).workers).toEqual([]);
          await closeStore(alive.store);
          expect((await takeBack(other, 'worker-b', at(0))).workers).toEqual(['worker-a']);
          return;
        case 'heartbeat': {
          // Each worker is judged by its own interval: worker-c, beating every 10 ms, is dead 40 ms after its beat,
          // connection open or not, while worker-a, beating every minute and beaten before it, is not.
          const quick = await openStore();
          await quick.beatWorker({ workerId: 'worker-c', now: at(0), intervalMs: DYING_INTERVAL_MS });
          expect((await takeBackOnceDead(other, 'worker-b', at(0))).workers).toEqual(['worker-c']);
          // On the store's clock, not the workers': a beat stamped by a clock a day behind, or a taker's a day
          // ahead, changes nothing.
          await alive.store.beatWorker({ workerId: 'worker-a', now: at(-DAY), intervalMs: RUNNING_INTERVAL_MS });
          expect((await takeBack(other, 'worker-b', at(DAY))).workers).toEqual([]);
          return;
        }
      }
    });
  });
}
