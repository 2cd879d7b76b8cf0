import { randomUUID } from 'node:crypto';
import type { DeliveryStatus, ReceiverStore } from '../../../src/receiver/store/receiverStore';
import {
  acceptedSummary,
  at,
  claim,
  claimOne,
  complete,
  type ContractStores,
  DAY,
  deadLetter,
  HOUR,
  MINUTE,
  queue,
  resend,
  retry,
  SECOND,
} from './contractFixtures';

/** The contract of DeliveryReads: the delivery log, the counts and the payloads conversations hold. */
export function describeDeliveryReadsContract({ openStore }: ContractStores): void {
  describe('the delivery log', () => {
    async function seedLog(store: ReceiverStore) {
      const titles = ['Årsmöte Acme AB', 'Offer review 100%_done', 'Weekly sync', 'WEEKLY planning', 'Kickoff Öresund'];
      const ids: string[] = [];
      for (const [index, title] of titles.entries()) {
        ids.push(await queue(store, acceptedSummary({ title, receivedAt: at(index * MINUTE) })));
      }
      return ids;
    }

    it('lists newest first, page by page', async () => {
      const store = await openStore();
      const ids = await seedLog(store);

      const firstPage = await store.listDeliveries({ limit: 2 });
      const secondPage = await store.listDeliveries({ limit: 2, offset: 2 });
      const lastPage = await store.listDeliveries({ limit: 2, offset: 4 });

      const newestFirst = [...ids].reverse();
      expect(firstPage.map((row) => row.id)).toEqual(newestFirst.slice(0, 2));
      expect(secondPage.map((row) => row.id)).toEqual(newestFirst.slice(2, 4));
      expect(lastPage.map((row) => row.id)).toEqual(newestFirst.slice(4));
      expect(firstPage[0]).toMatchObject({
        title: 'Kickoff Öresund',
        target: 'lime',
        status: 'pending',
        attempts: 0,
        createdAt: at(4 * MINUTE),
        updatedAt: at(4 * MINUTE),
      });
    });

    it('filters by status', async () => {
      const store = await openStore();
      const ids = await seedLog(store);
      const [oldest] = await claim(store, at(HOUR), 'worker-a', 1);
      if (oldest === undefined) throw new Error('nothing claimed');
      await deadLetter(store, oldest, at(HOUR));

      const dead = await store.listDeliveries({ status: 'dead', limit: 10 });
      const pending = await store.listDeliveries({ status: 'pending', limit: 10 });

      expect(dead.map((row) => row.id)).toEqual([ids[0]]);
      expect(pending).toHaveLength(4);
      expect(await store.listDeliveries({ status: 'delivered', limit: 10 })).toEqual([]);
    });

    it('search finds meeting titles case-insensitively, å, ä and ö included', async () => {
      const store = await openStore();
      await seedLog(store);
      const titlesFor = async (search: string, status?: DeliveryStatus) =>
        (await store.listDeliveries({ search, status, limit: 10 })).map((row) => row.title);

      expect(await titlesFor('ÅRSMÖTE')).toEqual(['Årsmöte Acme AB']);
      expect(await titlesFor('öresund')).toEqual(['Kickoff Öresund']);
      expect(await titlesFor('weekly')).toEqual(['WEEKLY planning', 'Weekly sync']);
      expect(await titlesFor('  weekly  ', 'pending')).toEqual(['WEEKLY planning', 'Weekly sync']);
      expect(await titlesFor('weekly', 'dead')).toEqual([]);
      expect(await titlesFor('')).toHaveLength(5);
    });

    it('search treats % and _ as plain characters', async () => {
      const store = await openStore();
      await seedLog(store);
      const titlesFor = async (search: string) =>
        (await store.listDeliveries({ search, limit: 10 })).map((row) => row.title);

      expect(await titlesFor('%')).toEqual(['Offer review 100%_done']);
      expect(await titlesFor('0%_d')).toEqual(['Offer review 100%_done']);
      expect(await titlesFor('w_ekly')).toEqual([]);
    });

    it('search finds a conversation by its id or the start of it', async () => {
      const store = await openStore();
      await seedLog(store);
      const conversationId = 'a1b2c3d4-0000-4000-8000-00000000beef';
      const deliveryId = await queue(store, acceptedSummary({ conversationId, title: 'Quarterly' }));
      const idsFor = async (search: string) => (await store.listDeliveries({ search, limit: 10 })).map((row) => row.id);

      expect(await idsFor(conversationId)).toEqual([deliveryId]);
      expect(await idsFor('a1b2c3d4')).toEqual([deliveryId]);
      expect(await idsFor('00000000beef')).toEqual([]);
    });

    it('an unknown delivery or event is not found', async () => {
      const store = await openStore();

      expect(await store.getDelivery(randomUUID())).toBeUndefined();
      expect(await store.getEventBody(randomUUID())).toBeUndefined();
    });
  });

  describe('counts', () => {
    it('an empty store counts zero in every status and has nothing open', async () => {
      const store = await openStore();

      expect(await store.counts()).toEqual({
        byStatus: { pending: 0, in_progress: 0, retrying: 0, delivered: 0, dead: 0 },
      });
    });

    it('counts every status and dates the oldest open delivery', async () => {
      const store = await openStore();
      for (let i = 0; i < 4; i += 1) await queue(store, acceptedSummary({ receivedAt: at(i * SECOND) }));
      const [delivered, dead, retrying] = await claim(store, at(MINUTE), 'worker-a', 4);
      if (delivered === undefined || dead === undefined || retrying === undefined) throw new Error('claims');
      await complete(store, delivered, at(MINUTE));
      await deadLetter(store, dead, at(MINUTE));
      await retry(store, retrying, at(MINUTE), at(HOUR));
      await queue(store, acceptedSummary({ receivedAt: at(2 * MINUTE) }));

      const counts = await store.counts();

      expect(counts.byStatus).toEqual({ pending: 1, in_progress: 1, retrying: 1, delivered: 1, dead: 1 });
      expect(counts.oldestOpenSince).toEqual(at(2 * SECOND));
    });
  });

  describe('held payloads', () => {
    it("answers each conversation's delivery with the payload it holds now, in the order asked; others are left out", async () => {
      const store = await openStore();
      const resent = acceptedSummary();
      const resentId = await queue(store, resent);
      const newer = resend(resent, MINUTE, { source: 'poll' });
      await queue(store, newer);
      const delivered = acceptedSummary();
      const deliveredId = await queue(store, delivered);
      await complete(store, await claimOne(store, at(0)), at(SECOND));
      const elsewhere = await queue(store, acceptedSummary({ target: 'superoffice' }));

      const held = await store.heldPayloads('lime', [
        delivered.conversationId,
        'unknown-conversation',
        resent.conversationId,
        delivered.conversationId,
      ]);

      expect(elsewhere).toBeDefined();
      expect(held).toEqual([
        {
          conversationId: delivered.conversationId,
          deliveryId: deliveredId,
          status: 'delivered',
          source: 'webhook',
          rawBody: delivered.rawBody,
        },
        {
          conversationId: resent.conversationId,
          deliveryId: resentId,
          status: 'pending',
          source: 'poll',
          rawBody: newer.rawBody,
        },
      ]);
      expect(await store.heldPayloads('lime', [])).toEqual([]);
    });

    it('a payload the retention purge removed is held without its body', async () => {
      const store = await openStore();
      const accepted = acceptedSummary({ source: 'backfill' });
      const deliveryId = await queue(store, accepted);
      await complete(store, await claimOne(store, at(0)), at(SECOND));
      await store.purgeDeliveredPayloads({ deliveredBefore: at(SECOND), now: at(DAY) });

      const [held] = await store.heldPayloads('lime', [accepted.conversationId]);

      expect(held).toMatchObject({ deliveryId, status: 'delivered', source: 'backfill' });
      expect(held?.rawBody).toBeUndefined();
    });

    it('finds the conversations of a list longer than one query takes', async () => {
      const store = await openStore();
      const stored = [acceptedSummary(), acceptedSummary(), acceptedSummary()];
      for (const each of stored) await queue(store, each);
      const asked = Array.from({ length: 1500 }, (_, i) => `not-stored-${i}`);
      asked[0] = stored[0]!.conversationId;
      asked[700] = stored[1]!.conversationId;
      asked[1499] = stored[2]!.conversationId;

      const held = await store.heldPayloads('lime', asked);

      expect(held.map((payload) => payload.conversationId)).toEqual(stored.map((each) => each.conversationId));
    });
  });
}
