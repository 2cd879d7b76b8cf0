import type { ReceiverStore } from '../../../src/receiver/store/receiverStore';
import {
  acceptedSummary,
  at,
  complete,
  type ContractStores,
  deadLetter,
  detail,
  HOUR,
  LEASE_MS,
  MINUTE,
  queue,
  SECOND,
  SUPEROFFICE,
} from './contractFixtures';

/**
 * After a CRM switch (CRM=lime → superoffice or back) the store holds the other CRM's deliveries, which no worker of
 * the CRM in effect claims. Counted with the CRM in effect's target, they are not open (the queue gauges and their
 * alert would never clear) but are given apart, per target; Requeue all with a target leaves their dead letters as
 * they are (reopened, they would only wait). Without a target, both see every delivery as before.
 */
export function describeOtherCrmDeliveriesContract({ openStore }: ContractStores): void {
  describe('the other CRM’s deliveries after a CRM switch', () => {
    async function claimFor(store: ReceiverStore, target: string, now: Date, limit = 10) {
      return store.claimDue({ workerId: `${target}-worker`, now, limit, leaseMs: LEASE_MS, target });
    }

    /** Lime: one delivered, one dead, one pending since 1 h. SuperOffice: one dead, two pending since 0 and 1 s. */
    async function seedBoth(store: ReceiverStore) {
      const soOldest = await queue(store, acceptedSummary({ target: SUPEROFFICE, receivedAt: at(0) }));
      const soDead = await queue(store, acceptedSummary({ target: SUPEROFFICE, receivedAt: at(SECOND) }));
      const soPending = await queue(store, acceptedSummary({ target: SUPEROFFICE, receivedAt: at(2 * SECOND) }));
      const limeDelivered = await queue(store, acceptedSummary({ receivedAt: at(MINUTE) }));
      const limeDead = await queue(store, acceptedSummary({ receivedAt: at(MINUTE + SECOND) }));
      const limePending = await queue(store, acceptedSummary({ receivedAt: at(HOUR) }));

      const [soFirst, soSecond] = await claimFor(store, SUPEROFFICE, at(10 * SECOND), 2);
      if (soFirst === undefined || soSecond === undefined) throw new Error('expected two SuperOffice claims');
      expect([soFirst.deliveryId, soSecond.deliveryId]).toEqual([soOldest, soDead]);
      await store.releaseDelivery({ deliveryId: soOldest, workerId: `${SUPEROFFICE}-worker`, now: at(11 * SECOND) });
      await deadLetter(store, soSecond, at(11 * SECOND), `${SUPEROFFICE}-worker`);

      const [limeFirst, limeSecond] = await claimFor(store, 'lime', at(2 * MINUTE), 2);
      if (limeFirst === undefined || limeSecond === undefined) throw new Error('expected two Lime claims');
      await complete(store, limeFirst, at(2 * MINUTE), undefined, 'lime-worker');
      await deadLetter(store, limeSecond, at(2 * MINUTE), 'lime-worker');
      return { soOldest, soDead, soPending, limeDelivered, limeDead, limePending };
    }

    it('counts only the target’s deliveries as open, and gives the other CRM’s open ones apart', async () => {
      const store = await openStore();
      await seedBoth(store);

      expect(await store.counts('lime')).toEqual({
        byStatus: { pending: 1, in_progress: 0, retrying: 0, delivered: 1, dead: 1 },
        oldestOpenSince: at(HOUR),
        waitingForOtherCrm: [{ target: SUPEROFFICE, count: 2 }],
      });
      expect(await store.counts(SUPEROFFICE)).toEqual({
        byStatus: { pending: 2, in_progress: 0, retrying: 0, delivered: 0, dead: 1 },
        oldestOpenSince: at(0),
        waitingForOtherCrm: [{ target: 'lime', count: 1 }],
      });
      // Without a target: every delivery, as the CLI's whole-store view counts them.
      const all = await store.counts();
      expect(all.byStatus).toEqual({ pending: 3, in_progress: 0, retrying: 0, delivered: 1, dead: 2 });
      expect(all.oldestOpenSince).toEqual(at(0));
      expect(all.waitingForOtherCrm).toBeUndefined();
    });

    it('a target with no deliveries has nothing open; the other CRM’s all wait', async () => {
      const store = await openStore();
      await queue(store, acceptedSummary({ target: SUPEROFFICE, receivedAt: at(0) }));
      await queue(store, acceptedSummary({ target: SUPEROFFICE, receivedAt: at(SECOND) }));

      const counts = await store.counts('lime');

      expect(counts.byStatus).toEqual({ pending: 0, in_progress: 0, retrying: 0, delivered: 0, dead: 0 });
      expect(counts.oldestOpenSince).toBeUndefined();
      expect(counts.waitingForOtherCrm).toEqual([{ target: SUPEROFFICE, count: 2 }]);
      // Nothing of another CRM: an empty list, not a missing one.
      expect((await store.counts(SUPEROFFICE)).waitingForOtherCrm).toEqual([]);
    });

    it('Requeue all with a target reopens only that target’s dead letters', async () => {
      const store = await openStore();
      const ids = await seedBoth(store);

      expect(await store.requeueAllDead(at(3 * MINUTE), 'lime')).toBe(1);

      expect(await detail(store, ids.limeDead)).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await detail(store, ids.soDead)).toMatchObject({ status: 'dead', lastErrorCode: 'unauthorized' });
      expect(await store.requeueAllDead(at(3 * MINUTE), 'lime')).toBe(0);
      // The SuperOffice dead letter waits for CRM=superoffice: requeued with its own target then.
      expect(await store.requeueAllDead(at(4 * MINUTE), SUPEROFFICE)).toBe(1);
      expect(await detail(store, ids.soDead)).toMatchObject({ status: 'pending', attempts: 0 });
    });
  });
}
