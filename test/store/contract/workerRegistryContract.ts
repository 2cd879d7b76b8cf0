import type { ReceiverStore } from '../../../src/receiver/store/receiverStore';
import {
  acceptedSummary,
  at,
  claim,
  complete,
  type ContractStores,
  detail,
  HOUR,
  LEASE_MS,
  queue,
  SECOND,
} from './contractFixtures';

/** How long a worker may be silent before a heartbeat store presumes it dead. */
const SILENT_MS = 20 * SECOND;

/**
 * The contract of WorkerRegistry: the deliveries of a registered worker that no longer runs are taken back before
 * their lease runs out, as expired leases; a running worker's, and those of a worker that never registered, are not.
 * "No longer runs" is what each store can know: SQLite's workers hold a lock while their process runs (closing the
 * store is the process dying), PostgreSQL's beat.
 */
export function describeWorkerRegistryContract({ openStore, closeStore }: ContractStores): void {
  describe('worker registry', () => {
    const takeBack = (store: ReceiverStore, workerId: string, now: Date) =>
      store.takeBackAbandoned({ workerId, now, silentForMs: SILENT_MS });

    /** A worker registered on a store of its own (its process) at `now`, holding `count` claimed deliveries. */
    async function runningWorker(workerId: string, now: Date, count: number) {
      const store = await openStore();
      await store.beatWorker({ workerId, now });
      const deliveryIds = await Promise.all(Array.from({ length: count }, () => queue(store, acceptedSummary())));
      const claimed = await claim(store, now, workerId);
      expect(claimed.map((delivery) => delivery.deliveryId).sort()).toEqual([...deliveryIds].sort());
      return { store, claimed };
    }

    it('the deliveries of a worker whose process stopped are taken back, and claimed as expired leases at once', async () => {
      const dead = await runningWorker('worker-a', at(0), 2);
      await closeStore(dead.store);
      const survivor = await openStore();
      const now = at(SILENT_MS + SECOND);
      await survivor.beatWorker({ workerId: 'worker-b', now });

      const taken = await takeBack(survivor, 'worker-b', now);

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
      const now = at(SILENT_MS + SECOND);
      await takeBack(survivor, 'worker-b', now);
      await claim(survivor, now, 'worker-b');

      expect(await complete(survivor, dead.claimed[0]!, now, undefined, 'worker-a')).toBe('lost');
      expect(await detail(survivor, dead.claimed[0]!.deliveryId)).toMatchObject({ status: 'in_progress' });
    });

    it('a running worker that beats keeps its deliveries', async () => {
      const alive = await runningWorker('worker-a', at(0), 2);
      const other = await openStore();
      await alive.store.beatWorker({ workerId: 'worker-a', now: at(SILENT_MS) });

      expect(await takeBack(other, 'worker-b', at(SILENT_MS + SECOND))).toEqual({ workers: [], deliveryIds: [] });
      expect(await claim(other, at(SILENT_MS + SECOND), 'worker-b')).toEqual([]);
    });

    it("a worker's own deliveries are never taken back by itself, however long since it beat", async () => {
      const self = await runningWorker('worker-a', at(0), 1);

      expect(await takeBack(self.store, 'worker-a', at(HOUR))).toEqual({ workers: [], deliveryIds: [] });
    });

    it('deliveries locked by a worker that never registered (an older version) are left to their lease', async () => {
      const old = await openStore();
      const deliveryId = await queue(old, acceptedSummary());
      await claim(old, at(0), 'worker-old');
      await closeStore(old);
      const survivor = await openStore();

      expect(await takeBack(survivor, 'worker-b', at(SILENT_MS + SECOND))).toEqual({ workers: [], deliveryIds: [] });
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

      const taken = await takeBack(survivor, 'worker-b', at(SILENT_MS + SECOND));

      expect(taken.deliveryIds).toEqual([cutOff!.deliveryId]);
      expect(await detail(survivor, settled!.deliveryId)).toMatchObject({ status: 'delivered' });
    });

    it('a retired worker (stopped gracefully) is forgotten', async () => {
      const store = await openStore();
      await store.beatWorker({ workerId: 'worker-a', now: at(0) });
      await store.retireWorker('worker-a');
      const other = await openStore();

      expect(await takeBack(other, 'worker-b', at(HOUR))).toEqual({ workers: [], deliveryIds: [] });
    });

    it('how a stopped worker is told depends on what the store can know', async () => {
      const alive = await runningWorker('worker-a', at(0), 1);
      const other = await openStore();
      switch (other.workerLiveness) {
        case 'process_lock':
          // A worker whose process holds its lock runs, however long since it beat (a hung process: its lease
          // decides); the moment its process stops, it is dead, however fresh its beat.
          expect((await takeBack(other, 'worker-b', at(HOUR))).workers).toEqual([]);
          await closeStore(alive.store);
          expect((await takeBack(other, 'worker-b', at(0))).workers).toEqual(['worker-a']);
          return;
        case 'heartbeat':
          // Silent for silentForMs is still alive; silent for longer is presumed dead, connection open or not.
          expect((await takeBack(other, 'worker-b', at(SILENT_MS))).workers).toEqual([]);
          expect((await takeBack(other, 'worker-b', at(SILENT_MS + 1))).workers).toEqual(['worker-a']);
          return;
      }
    });
  });
}
