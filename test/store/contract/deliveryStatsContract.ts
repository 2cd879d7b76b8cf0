import type { ParticipantOutcome } from '../../../src/core';
import type { ParticipantOutcomeTally, WindowDelivery } from '../../../src/receiver/store/receiverStore';
import {
  acceptedSummary,
  at,
  claimOne,
  complete,
  type ContractStores,
  deadLetter,
  DAY,
  HOUR,
  MINUTE,
  queue,
  resend,
  WRITTEN,
} from './contractFixtures';

const INTERNAL: ParticipantOutcome = { participantIndex: 1, outcome: 'internal', trace: 'internal' };
const NO_MATCH: ParticipantOutcome = { participantIndex: 2, outcome: 'no_match', trace: 'no match' };
const SWITCHBOARD: ParticipantOutcome = {
  participantIndex: 0,
  outcome: 'ambiguous',
  matchedBy: 'phone',
  companyId: 'company-x',
  trace: 'main number of company company-x',
};
const SHARED_EMAIL: ParticipantOutcome = { participantIndex: 1, outcome: 'ambiguous', matchedBy: 'email', trace: '2' };

const byDay = (rows: readonly WindowDelivery[]) =>
  [...rows].sort((a, b) => a.openedAt.getTime() - b.openedAt.getTime());
const byOutcome = (rows: readonly ParticipantOutcomeTally[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The contract of DeliveryStats: the window's deliveries with what they came to, and their participants counted. */
export function describeDeliveryStatsContract({ openStore }: ContractStores): void {
  describe('delivery window (the overview pictures)', () => {
    it('lists each delivery opened since the start with its status, delivery time and what it came to', async () => {
      const store = await openStore();
      const deliverWith = async (openedMs: number, outcomes: ParticipantOutcome[], tookMs: number) => {
        await queue(store, acceptedSummary({ receivedAt: at(openedMs) }));
        await complete(store, await claimOne(store, at(openedMs)), at(openedMs + tookMs), outcomes);
      };
      await deliverWith(-DAY, WRITTEN, MINUTE); // before the window
      await deliverWith(0, [...WRITTEN, INTERNAL, NO_MATCH], 2 * MINUTE);
      await deliverWith(HOUR, [SWITCHBOARD, INTERNAL], 30_000);
      await deliverWith(2 * HOUR, [{ ...NO_MATCH, participantIndex: 0 }, SHARED_EMAIL], 45_000);
      await queue(store, acceptedSummary({ receivedAt: at(3 * HOUR) }));
      await deadLetter(store, await claimOne(store, at(3 * HOUR)), at(3 * HOUR + MINUTE));
      // Delivered, then re-sent: open again, its old outcomes no longer count.
      const first = acceptedSummary({ receivedAt: at(4 * HOUR) });
      await queue(store, first);
      await complete(store, await claimOne(store, at(4 * HOUR)), at(4 * HOUR + MINUTE), WRITTEN);
      await queue(store, resend(first, HOUR));

      const window = await store.deliveryWindow(at(0));

      expect(byDay(window.deliveries)).toEqual([
        { openedAt: at(0), status: 'delivered', deliveredAt: at(2 * MINUTE), outcome: 'delivered' },
        { openedAt: at(HOUR), status: 'delivered', deliveredAt: at(HOUR + 30_000), outcome: 'company_only' },
        { openedAt: at(2 * HOUR), status: 'delivered', deliveredAt: at(2 * HOUR + 45_000), outcome: 'no_match' },
        { openedAt: at(3 * HOUR), status: 'dead' },
        { openedAt: at(5 * HOUR), status: 'pending' },
      ]);
      expect(byOutcome(window.participants)).toEqual(
        byOutcome([
          { outcome: 'written', matchedBy: 'email', companyFound: true, count: 1 },
          { outcome: 'internal', companyFound: false, count: 2 },
          { outcome: 'no_match', companyFound: false, count: 2 },
          { outcome: 'ambiguous', matchedBy: 'phone', companyFound: true, count: 1 },
          { outcome: 'ambiguous', matchedBy: 'email', companyFound: false, count: 1 },
        ]),
      );
    });

    it('is empty when nothing was opened since the start', async () => {
      const store = await openStore();
      await queue(store, acceptedSummary({ receivedAt: at(0) }));

      expect(await store.deliveryWindow(at(MINUTE))).toEqual({ deliveries: [], participants: [] });
    });
  });
}
