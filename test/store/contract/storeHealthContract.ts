import {
  acceptedSummary,
  at,
  claimOne,
  complete,
  type ContractStores,
  detail,
  queue,
  SECOND,
  WRITTEN,
} from './contractFixtures';

/** The contract of StoreHealth: what the store keeps across close and reopen, and its proof it can write. */
export function describeStoreHealthContract({ openStore, closeStore }: ContractStores): void {
  describe('durability', () => {
    it('an accepted summary survives close and reopen, and is claimed after', async () => {
      const first = await openStore();
      const accepted = acceptedSummary();
      const deliveryId = await queue(first, accepted);
      await closeStore(first);

      const reopened = await openStore();

      expect(await claimOne(reopened, at(0))).toMatchObject({ deliveryId, rawBody: accepted.rawBody });
    });

    it('reopening a migrated database keeps what it holds and keeps working', async () => {
      const first = await openStore();
      const deliveryId = await queue(first, acceptedSummary());
      await complete(first, await claimOne(first, at(0)), at(SECOND));
      await closeStore(first);

      const second = await openStore();
      await closeStore(second);
      const third = await openStore();

      expect(await detail(third, deliveryId)).toMatchObject({ status: 'delivered', outcomes: WRITTEN });
      expect(await third.acceptSummary(acceptedSummary())).toMatchObject({ kind: 'queued' });
    });

    it('a working store proves it can write; a closed one throws', async () => {
      const store = await openStore();
      await expect(store.checkWritable()).resolves.toBeUndefined();

      await closeStore(store);

      await expect(store.checkWritable()).rejects.toThrow();
    });
  });
}
