import { randomUUID } from 'node:crypto';
import type { ReceiverStore } from '../../../src/receiver/store/receiverStore';
import {
  acceptedSummary,
  at,
  attemptOf,
  type ContractStores,
  LEASE_MS,
  MINUTE,
  queue,
  resend,
  SECOND,
  SO_RATE_LIMITED,
  SO_WRITTEN,
  SO_WRONG_HOST,
  SUPEROFFICE,
} from './contractFixtures';

/**
 * The delivery queue and reads with SuperOffice deliveries (CRM=superoffice) beside Lime's: a SuperOffice delivery
 * goes through its own failures (429 with Retry-After, 421 on the unnumbered host), a dead letter, a requeue and
 * the appointments written, with SuperOffice's ids in the outcomes, while the Lime delivery of the same
 * conversation is left as it was. Every adapter must keep them apart and give back what was stored.
 */
export function describeSuperOfficeDeliveriesContract({ openStore }: ContractStores): void {
  describe('SuperOffice deliveries', () => {
    async function claimSuperOffice(store: ReceiverStore, now: Date) {
      return store.claimDue({ workerId: 'so-worker', now, limit: 10, leaseMs: LEASE_MS, target: SUPEROFFICE });
    }

    it('retried no earlier than SuperOffice asked, dead on a wrong host, requeued, delivered with its ids; Lime’s untouched', async () => {
      const store = await openStore();
      const conversationId = randomUUID();
      const limeId = await queue(store, acceptedSummary({ conversationId, title: 'Offer review (Lime)' }));
      const soId = await queue(
        store,
        acceptedSummary({ conversationId, target: SUPEROFFICE, title: 'Offer review (SuperOffice)' }),
      );

      const [first, ...others] = await claimSuperOffice(store, at(0));
      expect(others).toEqual([]);
      expect(first).toMatchObject({ deliveryId: soId, target: SUPEROFFICE, attempt: 1 });
      if (first === undefined) return;
      const retryAt = at(SECOND + 300 * SECOND); // Retry-After: 300
      expect(
        await store.retryDelivery({
          deliveryId: soId,
          workerId: 'so-worker',
          version: first.version,
          attempt: attemptOf(first, at(SECOND), SO_RATE_LIMITED),
          now: at(SECOND),
          nextAttemptAt: retryAt,
        }),
      ).toBe('retrying');
      expect(await store.getDelivery(soId)).toMatchObject({
        status: 'retrying',
        target: SUPEROFFICE,
        nextAttemptAt: retryAt,
        lastErrorCode: 'rate_limited',
      });
      expect(await claimSuperOffice(store, new Date(retryAt.getTime() - 1))).toEqual([]);

      const [second] = await claimSuperOffice(store, retryAt);
      expect(second).toMatchObject({ deliveryId: soId, attempt: 2 });
      if (second === undefined) return;
      const deadAt = new Date(retryAt.getTime() + SECOND);
      await store.deadLetterDelivery({
        deliveryId: soId,
        workerId: 'so-worker',
        version: second.version,
        attempt: attemptOf(second, deadAt, SO_WRONG_HOST),
        now: deadAt,
      });
      const [deadRow, ...moreDead] = await store.listDeliveries({ status: 'dead', limit: 10 });
      expect(moreDead).toEqual([]);
      expect(deadRow).toMatchObject({
        id: soId,
        target: SUPEROFFICE,
        title: 'Offer review (SuperOffice)',
        lastErrorCode: 'wrong_host',
        lastErrorMessage: SO_WRONG_HOST.errorMessage,
      });

      const requeuedAt = new Date(deadAt.getTime() + 10 * MINUTE);
      expect(await store.requeue(soId, requeuedAt)).toBe(true);
      const [third] = await claimSuperOffice(store, requeuedAt);
      expect(third).toMatchObject({ deliveryId: soId, target: SUPEROFFICE });
      if (third === undefined) return;
      const doneAt = new Date(requeuedAt.getTime() + SECOND);
      expect(
        await store.completeDelivery({
          deliveryId: soId,
          workerId: 'so-worker',
          version: third.version,
          attempt: attemptOf(third, doneAt, { apiCalls: 16 }),
          now: doneAt,
          outcomes: SO_WRITTEN,
        }),
      ).toBe('delivered');

      const delivered = await store.getDelivery(soId);
      expect(delivered).toMatchObject({ status: 'delivered', target: SUPEROFFICE, deliveredAt: doneAt });
      expect(delivered?.outcomes).toEqual(SO_WRITTEN);
      expect(delivered?.outcomes.map((outcome) => typeof outcome.noteId)).toEqual(['number', 'number', 'undefined']);
      expect(delivered?.attemptLog.map((attempt) => [attempt.errorCode, attempt.crmStatus, attempt.apiCalls])).toEqual([
        ['rate_limited', 429, 2],
        ['wrong_host', 421, 1],
        [undefined, undefined, 16],
      ]);
      expect((await store.listDeliveries({ search: '(SuperOffice)', limit: 10 })).map((row) => row.id)).toEqual([soId]);

      // The Lime delivery of the same conversation: still pending, never attempted, nothing of SuperOffice's on it.
      const lime = await store.getDelivery(limeId);
      expect(lime).toMatchObject({ status: 'pending', target: 'lime', attempts: 0, outcomes: [] });
      expect(lime?.attemptLog).toEqual([]);
      expect(lime?.lastErrorCode).toBeUndefined();
      const counts = await store.counts();
      expect(counts.byStatus).toMatchObject({ pending: 1, delivered: 1, dead: 0 });
    });

    it('a re-sent summary reopens only the SuperOffice delivery, keeps its appointment ids, and is the payload it holds', async () => {
      const store = await openStore();
      const conversationId = randomUUID();
      const original = acceptedSummary({ conversationId, target: SUPEROFFICE });
      const soId = await queue(store, original);
      const limeId = await queue(store, acceptedSummary({ conversationId }));
      const [claimed] = await claimSuperOffice(store, at(0));
      if (claimed === undefined) throw new Error('nothing claimed');
      await store.completeDelivery({
        deliveryId: soId,
        workerId: 'so-worker',
        version: claimed.version,
        attempt: attemptOf(claimed, at(SECOND)),
        now: at(SECOND),
        outcomes: SO_WRITTEN,
      });

      const revised = resend(original, MINUTE);
      expect(await store.acceptSummary(revised)).toMatchObject({ kind: 'queued', deliveryId: soId });

      // The worker updates the appointments it wrote (knownNotes): their ids are still there.
      expect(await store.getDelivery(soId)).toMatchObject({
        status: 'pending',
        target: SUPEROFFICE,
        outcomes: SO_WRITTEN,
      });
      expect(await store.heldPayloads(SUPEROFFICE, [conversationId])).toEqual([
        expect.objectContaining({ deliveryId: soId, status: 'pending', rawBody: revised.rawBody }),
      ]);
      expect(await store.heldPayloads('lime', [conversationId])).toEqual([
        expect.objectContaining({ deliveryId: limeId, status: 'pending' }),
      ]);
      expect((await claimSuperOffice(store, at(MINUTE))).map((each) => each.deliveryId)).toEqual([soId]);
    });
  });
}
