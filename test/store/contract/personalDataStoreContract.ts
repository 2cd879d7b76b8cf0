import { randomUUID } from 'node:crypto';
import type { ParticipantOutcome } from '../../../src/crm/crmConnector';
import {
  acceptedSummary,
  ANNA,
  at,
  BO,
  claim,
  claimOne,
  complete,
  type ContractStores,
  DAY,
  deadLetter,
  detail,
  HOUR,
  MINUTE,
  queue,
  resend,
  retry,
  SECOND,
  WRITTEN,
} from './contractFixtures';

/** The contract of PersonalDataStore: the retention purge and a person's erasure. */
export function describePersonalDataStoreContract({ openStore }: ContractStores): void {
  describe('retention', () => {
    const TRACED: ParticipantOutcome[] = [
      { ...WRITTEN[0]!, trace: 'anna@customer.se → person 1001 (unique) → note 3001 written' },
    ];

    it('a delivery delivered before the cutoff loses its payloads, title and traces; its audit trail stays', async () => {
      const store = await openStore();
      const first = acceptedSummary({ title: 'Offer review with Anna' });
      const deliveryId = await queue(store, first);
      const superseding = resend(first, MINUTE, { title: 'Offer review with Anna (edited)' });
      const stale = resend(first, -MINUTE);
      await queue(store, superseding);
      const staleResult = await store.acceptSummary(stale);
      expect(staleResult.kind).toBe('stale');
      await complete(store, await claimOne(store, at(2 * MINUTE)), at(3 * MINUTE), TRACED);
      const before = await detail(store, deliveryId);

      const result = await store.purgeDeliveredPayloads({ deliveredBefore: at(3 * MINUTE), now: at(31 * DAY) });

      expect(result).toEqual({ deliveries: 1, payloads: 3 });
      const after = await detail(store, deliveryId);
      expect(after).toMatchObject({
        status: 'delivered',
        title: '',
        attempts: before.attempts,
        deliveredAt: at(3 * MINUTE),
        attemptLog: before.attemptLog,
        payloadRemoved: { reason: 'retention', at: at(31 * DAY) },
      });
      expect(after.outcomes).toEqual([{ ...TRACED[0], trace: '' }]);
      expect(await store.getEventBody(after.eventId)).toBeUndefined();
      expect(await store.getEventBody(staleResult.eventId)).toBeUndefined();
      expect(await store.listStoredPayloads({ limit: 10 })).toEqual([]);
      expect(await store.listDeliveries({ search: 'anna', limit: 10 })).toEqual([]);
    });

    it('keeps deliveries delivered after the cutoff, dead letters and open deliveries whole', async () => {
      const store = await openStore();
      const recent = await queue(store, acceptedSummary({ receivedAt: at(0) }));
      const dead = await queue(store, acceptedSummary({ receivedAt: at(1) }));
      const pending = await queue(store, acceptedSummary({ receivedAt: at(2) }));
      const [a, b] = await claim(store, at(SECOND), 'worker-a', 2);
      if (a === undefined || b === undefined) throw new Error('expected two claims');
      await complete(store, a.deliveryId === recent ? a : b, at(DAY));
      await deadLetter(store, a.deliveryId === recent ? b : a, at(DAY));

      expect(await store.purgeDeliveredPayloads({ deliveredBefore: at(DAY - 1), now: at(2 * DAY) })).toEqual({
        deliveries: 0,
        payloads: 0,
      });

      for (const id of [recent, dead, pending]) {
        const row = await detail(store, id);
        expect(row.payloadRemoved).toBeUndefined();
        expect(row.title).not.toBe('');
        expect(await store.getEventBody(row.eventId)).toBeInstanceOf(Buffer);
      }
    });

    it('a dead letter keeps its payload until it is requeued and delivered; then the clock starts', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      await deadLetter(store, await claimOne(store, at(0)), at(SECOND));
      expect(await store.purgeDeliveredPayloads({ deliveredBefore: at(40 * DAY), now: at(40 * DAY) })).toEqual({
        deliveries: 0,
        payloads: 0,
      });

      expect(await store.requeue(deliveryId, at(40 * DAY))).toBe(true);
      await complete(store, await claimOne(store, at(40 * DAY)), at(40 * DAY + SECOND));

      expect(await store.purgeDeliveredPayloads({ deliveredBefore: at(40 * DAY), now: at(41 * DAY) })).toMatchObject({
        deliveries: 0,
      });
      expect(await store.purgeDeliveredPayloads({ deliveredBefore: at(40 * DAY + SECOND), now: at(70 * DAY) })).toEqual(
        { deliveries: 1, payloads: 1 },
      );
    });

    it('purging twice removes nothing more; a purged delivery cannot be requeued', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      await complete(store, await claimOne(store, at(0)), at(SECOND));
      await store.purgeDeliveredPayloads({ deliveredBefore: at(SECOND), now: at(DAY) });

      expect(await store.purgeDeliveredPayloads({ deliveredBefore: at(DAY), now: at(2 * DAY) })).toEqual({
        deliveries: 0,
        payloads: 0,
      });
      expect(await store.requeue(deliveryId, at(2 * DAY))).toBe(false);
      expect(await claim(store, at(2 * DAY))).toEqual([]);
      expect((await detail(store, deliveryId)).payloadRemoved).toEqual({ reason: 'retention', at: at(DAY) });
    });

    it('a re-send after the purge brings a payload again: delivered anew, its notes still known', async () => {
      const store = await openStore();
      const first = acceptedSummary();
      const deliveryId = await queue(store, first);
      await complete(store, await claimOne(store, at(0)), at(SECOND), TRACED);
      await store.purgeDeliveredPayloads({ deliveredBefore: at(SECOND), now: at(DAY) });

      const again = resend(first, 2 * DAY, { title: 'Follow-up' });
      expect(await queue(store, again)).toBe(deliveryId);

      const row = await detail(store, deliveryId);
      expect(row).toMatchObject({ status: 'pending', title: 'Follow-up' });
      expect(row.payloadRemoved).toBeUndefined();
      expect(row.outcomes).toMatchObject([{ personId: 1001, noteId: 3001 }]);
      expect(await claimOne(store, at(2 * DAY))).toMatchObject({ deliveryId, rawBody: again.rawBody });
    });

    it('lists stored payloads page by page in event id order, without removed or ignored ones', async () => {
      const store = await openStore();
      const bodies = new Map<string, Buffer>();
      for (let i = 0; i < 5; i += 1) {
        const accepted = acceptedSummary();
        const result = await store.acceptSummary(accepted);
        bodies.set(result.eventId, accepted.rawBody);
      }
      await store.recordIgnoredEvent({
        deliveryKey: randomUUID(),
        scheme: 'dci',
        receivedAt: at(0),
        eventType: 'conversation.started',
      });

      const firstPage = await store.listStoredPayloads({ limit: 3 });
      const secondPage = await store.listStoredPayloads({ afterEventId: firstPage.at(-1)?.eventId, limit: 3 });

      const listed = [...firstPage, ...secondPage];
      expect(listed.map((payload) => payload.eventId)).toEqual([...bodies.keys()].sort());
      for (const payload of listed) expect(payload.rawBody).toEqual(bodies.get(payload.eventId));
    });
  });

  describe('erasure', () => {
    const TRACE_NAMING_ANNA: ParticipantOutcome[] = [
      { ...WRITTEN[0]!, trace: 'Anna@Customer.se → person 1001 (unique) → note 3001 written' },
    ];

    const JOHANNA: ParticipantOutcome[] = [
      { ...WRITTEN[0]!, trace: 'johanna@customer.se → person 1002 (unique) → note 3002 written' },
    ];

    it("removes a person's payloads, titles, traces and contact index entries, and says what it touched", async () => {
      const store = await openStore();
      const delivered = acceptedSummary({ title: 'Offer review with Anna' });
      const deliveredId = await queue(store, delivered);
      await complete(store, await claimOne(store, at(0)), at(SECOND));
      const pending = acceptedSummary({ title: 'Call with Anna' });
      const pendingId = await queue(store, pending);
      // A conversation whose earlier payload named Anna (its outcomes say so); its current payload does not.
      const other = acceptedSummary({ title: 'Steering group' });
      const otherId = await queue(store, other);
      const untouched = await queue(store, acceptedSummary({ title: 'Unrelated' }));
      const claimed = await claim(store, at(MINUTE));
      for (const delivery of claimed) {
        if (delivery.deliveryId === otherId) await complete(store, delivery, at(2 * MINUTE), TRACE_NAMING_ANNA);
        else if (delivery.deliveryId === untouched) await complete(store, delivery, at(2 * MINUTE), JOHANNA);
        else await retry(store, delivery, at(2 * MINUTE), at(HOUR));
      }
      await store.replaceContactIndex('lime', [ANNA, BO], at(0));
      const eventIds = [(await detail(store, deliveredId)).eventId, (await detail(store, pendingId)).eventId];

      const result = await store.erasePersonalData({ eventIds, email: 'anna@customer.se', now: at(DAY) });

      expect(result.payloads).toBe(2);
      expect(result.traces).toBe(2);
      expect(result.contactIndexEntries).toBe(1);
      expect([...result.deliveries].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        [
          { id: deliveredId, statusBefore: 'delivered', status: 'delivered', payloadRemoved: true },
          { id: pendingId, statusBefore: 'retrying', status: 'dead', payloadRemoved: true },
          { id: otherId, statusBefore: 'delivered', status: 'delivered', payloadRemoved: false },
        ].sort((a, b) => a.id.localeCompare(b.id)),
      );

      expect(await detail(store, deliveredId)).toMatchObject({
        status: 'delivered',
        title: '',
        payloadRemoved: { reason: 'erasure', at: at(DAY) },
        outcomes: [{ personId: 1001, noteId: 3001, trace: '' }],
      });
      expect(await detail(store, pendingId)).toMatchObject({
        status: 'dead',
        title: '',
        lastErrorCode: 'payload_erased',
        payloadRemoved: { reason: 'erasure' },
      });
      for (const id of eventIds) expect(await store.getEventBody(id)).toBeUndefined();
      expect(await detail(store, otherId)).toMatchObject({ title: 'Steering group', outcomes: [{ trace: '' }] });
      expect((await detail(store, otherId)).payloadRemoved).toBeUndefined();
      // Another person whose address ends in Anna's is not Anna.
      expect(await detail(store, untouched)).toMatchObject({ title: 'Unrelated', outcomes: JOHANNA });
      expect(await store.findContactCandidates('lime', { emails: ['anna@customer.se'], phones: [] })).toEqual([]);
      expect(await store.findContactCandidates('lime', { emails: ['bo@other.se'], phones: [] })).toEqual([BO]);
      expect(await store.contactIndexState('lime')).toMatchObject({ size: 1 });
    });

    it('an erased delivery that was not delivered stays dead: no claim, no requeue', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      const { eventId } = await detail(store, deliveryId);

      await store.erasePersonalData({ eventIds: [eventId], email: 'anna@customer.se', now: at(MINUTE) });

      expect(await claim(store, at(DAY))).toEqual([]);
      expect(await store.requeue(deliveryId, at(DAY))).toBe(false);
      expect(await store.requeueAllDead(at(DAY))).toBe(0);
      expect(await detail(store, deliveryId)).toMatchObject({ status: 'dead', lastErrorCode: 'payload_erased' });
    });

    it('erasing what is not there removes nothing', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary({ title: 'Kept' }));

      expect(await store.erasePersonalData({ eventIds: [], email: 'nobody@example.com', now: at(0) })).toEqual({
        payloads: 0,
        deliveries: [],
        traces: 0,
        contactIndexEntries: 0,
      });
      expect(await detail(store, deliveryId)).toMatchObject({ status: 'pending', title: 'Kept' });
    });
  });
}
