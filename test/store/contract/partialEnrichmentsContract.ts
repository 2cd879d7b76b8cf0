import type { ClaimedDelivery, EnrichmentRecord, ReceiverStore } from '../../../src/receiver/store/receiverStore';
import {
  acceptedSummary,
  at,
  claimOne,
  complete,
  type ContractStores,
  DAY,
  detail,
  finished,
  HOUR,
  LEASE_MS,
  MINUTE,
  queue,
  resend,
  SECOND,
  WRITTEN,
} from './contractFixtures';

/**
 * The contract of PartialEnrichments: what DCI's REST API added, kept on the delivery, and the partial ones the
 * catch-up asks for again.
 */
export function describePartialEnrichmentsContract({ openStore }: ContractStores): void {
  describe('enrichment', () => {
    const PARTIAL: EnrichmentRecord = {
      state: 'partial',
      added: ['end time'],
      missing: [{ part: 'recording link', reason: 'DCI could not be reached within the wait' }],
      at: at(SECOND),
    };
    const COMPLETE: EnrichmentRecord = {
      state: 'complete',
      added: ['recording link', 'conversation link', 'end time'],
      missing: [{ part: 'participant phones', reason: 'DCI sent none' }],
      at: at(SECOND),
    };

    async function completeEnriched(
      store: ReceiverStore,
      claimed: ClaimedDelivery,
      now: Date,
      enrichment: EnrichmentRecord,
      workerId = 'worker-a',
    ) {
      return store.completeDelivery({ ...finished(claimed, now, workerId), outcomes: WRITTEN, enrichment });
    }

    /** Queues one delivery per enrichment (undefined: completed without one) and completes each at `now`. */
    async function deliverEnriched(
      store: ReceiverStore,
      records: ReadonlyArray<{ enrichment?: EnrichmentRecord; target?: string }>,
      now: Date,
    ): Promise<string[]> {
      const ids: string[] = [];
      for (const { enrichment, target } of records) {
        const deliveryId = await queue(store, acceptedSummary(target === undefined ? {} : { target }));
        const claimed = await claimOne(store, at(0));
        expect(
          enrichment === undefined
            ? await complete(store, claimed, now)
            : await completeEnriched(store, claimed, now, enrichment),
        ).toBe('delivered');
        ids.push(deliveryId);
      }
      return ids;
    }

    it('a delivery has no enrichment before an attempt records one', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      await complete(store, await claimOne(store, at(0)), at(SECOND));

      expect((await detail(store, deliveryId)).enrichment).toBeUndefined();
    });

    it('a completed delivery keeps what its attempt was enriched with, read back as it was given', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());

      expect(await completeEnriched(store, await claimOne(store, at(0)), at(SECOND), COMPLETE)).toBe('delivered');

      expect((await detail(store, deliveryId)).enrichment).toEqual(COMPLETE);
      const [row] = await store.listDeliveries({ limit: 10 });
      expect(row?.enrichment).toEqual(COMPLETE);
      expect(row?.enrichment?.at).toBeInstanceOf(Date);
    });

    it('the enrichment is kept when a newer payload superseded the attempt, and the newer payload leaves it', async () => {
      const store = await openStore();
      const first = acceptedSummary();
      const deliveryId = await queue(store, first);
      const claimed = await claimOne(store, at(0));
      await queue(store, resend(first, MINUTE));

      expect(await completeEnriched(store, claimed, at(2 * MINUTE), PARTIAL)).toBe('superseded');
      await queue(store, resend(first, 3 * MINUTE));

      expect(await detail(store, deliveryId)).toMatchObject({ status: 'pending', enrichment: PARTIAL });
    });

    it('an attempt that lost its lease records no enrichment', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      const lost = await claimOne(store, at(0), 'worker-a');
      await claimOne(store, at(LEASE_MS), 'worker-b');

      expect(await completeEnriched(store, lost, at(LEASE_MS + SECOND), PARTIAL)).toBe('lost');

      expect((await detail(store, deliveryId)).enrichment).toBeUndefined();
    });

    it('lists delivered, partially enriched deliveries of the target last tried before the time, oldest first', async () => {
      const store = await openStore();
      const [later, earlier, recent, completeId, none] = await deliverEnriched(
        store,
        [
          { enrichment: { ...PARTIAL, at: at(2 * MINUTE) } },
          { enrichment: { ...PARTIAL, at: at(MINUTE) } },
          { enrichment: { ...PARTIAL, at: at(10 * MINUTE) } },
          { enrichment: { ...COMPLETE, at: at(MINUTE) } },
          {},
          { enrichment: { ...PARTIAL, at: at(MINUTE) }, target: 'superoffice' },
        ],
        at(SECOND),
      );
      // A partial one that a newer payload reopened is not delivered (its next attempt enriches it again).
      const reopened = acceptedSummary();
      await queue(store, reopened);
      await completeEnriched(store, await claimOne(store, at(0)), at(SECOND), { ...PARTIAL, at: at(0) });
      await queue(store, resend(reopened, HOUR));

      const listed = await store.listPartiallyEnriched({ target: 'lime', before: at(5 * MINUTE), limit: 10 });

      expect(listed).toEqual([earlier, later]);
      expect(listed).not.toContain(recent);
      expect([completeId, none].some((id) => listed.includes(id!))).toBe(false);
      expect(await store.listPartiallyEnriched({ target: 'lime', before: at(5 * MINUTE), limit: 1 })).toEqual([
        earlier,
      ]);
      expect(await store.listPartiallyEnriched({ target: 'lime', before: at(MINUTE), limit: 10 })).toEqual([]);
      expect(await store.listPartiallyEnriched({ target: 'lime', before: at(HOUR), limit: 0 })).toEqual([]);
    });

    it('touching a partial enrichment moves it out of the window and changes only its time', async () => {
      const store = await openStore();
      const [deliveryId, other] = await deliverEnriched(
        store,
        [{ enrichment: PARTIAL }, { enrichment: PARTIAL }],
        at(SECOND),
      );
      const before = await detail(store, deliveryId!);

      await store.touchEnrichment(deliveryId!, at(6 * MINUTE));

      expect(await store.listPartiallyEnriched({ target: 'lime', before: at(5 * MINUTE), limit: 10 })).toEqual([other]);
      expect(await store.listPartiallyEnriched({ target: 'lime', before: at(7 * MINUTE), limit: 10 })).toEqual([
        other,
        deliveryId,
      ]);
      expect(await detail(store, deliveryId!)).toEqual({ ...before, enrichment: { ...PARTIAL, at: at(6 * MINUTE) } });
    });

    it('touching a delivery whose enrichment is not partial changes nothing', async () => {
      const store = await openStore();
      const [enriched, none] = await deliverEnriched(store, [{ enrichment: COMPLETE }, {}], at(SECOND));

      await store.touchEnrichment(enriched!, at(HOUR));
      await store.touchEnrichment(none!, at(HOUR));
      await store.touchEnrichment('no-such-delivery', at(HOUR));

      expect((await detail(store, enriched!)).enrichment).toEqual(COMPLETE);
      expect((await detail(store, none!)).enrichment).toBeUndefined();
    });

    it('retention and erasure remove the payload but keep its source and enrichment', async () => {
      const store = await openStore();
      const purged = acceptedSummary({ source: 'poll' });
      const purgedId = await queue(store, purged);
      await completeEnriched(store, await claimOne(store, at(0)), at(SECOND), PARTIAL);
      const erasedId = await queue(store, acceptedSummary({ source: 'backfill' }));
      await completeEnriched(store, await claimOne(store, at(0)), at(SECOND), COMPLETE);

      await store.purgeDeliveredPayloads({ deliveredBefore: at(SECOND), now: at(DAY) });
      await store.erasePersonalData({
        eventIds: [(await detail(store, erasedId)).eventId],
        email: 'anna@customer.se',
        now: at(DAY),
      });

      expect(await detail(store, purgedId)).toMatchObject({
        source: 'poll',
        enrichment: PARTIAL,
        payloadRemoved: { reason: 'retention' },
      });
      expect(await detail(store, erasedId)).toMatchObject({
        source: 'backfill',
        enrichment: COMPLETE,
        payloadRemoved: { reason: 'erasure' },
      });
      // Without its payload it cannot be delivered again, so it is no longer listed for another enrichment.
      expect(await store.listPartiallyEnriched({ target: 'lime', before: at(HOUR), limit: 10 })).toEqual([]);
    });
  });
}
