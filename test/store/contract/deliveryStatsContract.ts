import type { ParticipantOutcome } from '../../../src/core';
import type { ParticipantOutcomeTally } from '../../../src/receiver/store/receiverStore';
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

const byOutcome = (rows: readonly ParticipantOutcomeTally[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const NOTHING = { settled: { delivered: 0, company_only: 0, no_match: 0, dead: 0 }, open: 0, notes: 0 };

/** The contract of DeliveryStats: each day's deliveries counted by what they came to, percentiles, participants. */
export function describeDeliveryStatsContract({ openStore }: ContractStores): void {
  describe('delivery days (the overview pictures)', () => {
    it("counts each day's deliveries by what they came to, with the percentiles of their time to note", async () => {
      const store = await openStore();
      const deliverWith = async (openedMs: number, outcomes: ParticipantOutcome[], tookMs: number) => {
        await queue(store, acceptedSummary({ receivedAt: at(openedMs) }));
        await complete(store, await claimOne(store, at(openedMs)), at(openedMs + tookMs), outcomes);
      };
      await deliverWith(-HOUR, WRITTEN, MINUTE); // before the first day
      await deliverWith(0, [...WRITTEN, INTERNAL, NO_MATCH], 2 * MINUTE);
      await deliverWith(HOUR, [SWITCHBOARD, INTERNAL], 30_000);
      await deliverWith(2 * HOUR, [{ ...NO_MATCH, participantIndex: 0 }, SHARED_EMAIL], 45_000);
      await queue(store, acceptedSummary({ receivedAt: at(3 * HOUR) }));
      await deadLetter(store, await claimOne(store, at(3 * HOUR)), at(3 * HOUR + MINUTE));
      // The second day: five notes, in an order that is not their durations'.
      for (const [index, seconds] of [40, 10, 100, 30, 20].entries()) {
        await deliverWith(DAY + index * MINUTE, WRITTEN, seconds * 1000);
      }
      await deliverWith(3 * DAY, WRITTEN, MINUTE); // after the last day
      // Delivered, then re-sent (last, as it is due again): open again, and its old outcomes no longer count.
      const first = acceptedSummary({ receivedAt: at(4 * HOUR) });
      await queue(store, first);
      await complete(store, await claimOne(store, at(4 * HOUR)), at(4 * HOUR + MINUTE), WRITTEN);
      await queue(store, resend(first, HOUR));

      const counted = await store.deliveryDays([at(0), at(DAY), at(2 * DAY), at(3 * DAY)]);

      expect(counted.days).toEqual([
        {
          settled: { delivered: 1, company_only: 1, no_match: 1, dead: 1 },
          open: 1,
          notes: 1,
          p50Ms: 2 * MINUTE,
          p95Ms: 2 * MINUTE,
        },
        // As percentile_cont: the 95th percentile lies 0.8 of the way from 40 s to 100 s.
        { settled: { ...NOTHING.settled, delivered: 5 }, open: 0, notes: 5, p50Ms: 30_000, p95Ms: 88_000 },
        NOTHING,
      ]);
      expect(byOutcome(counted.participants)).toEqual(
        byOutcome([
          { outcome: 'written', matchedBy: 'email', companyFound: true, count: 6 },
          { outcome: 'internal', companyFound: false, count: 2 },
          { outcome: 'no_match', companyFound: false, count: 2 },
          { outcome: 'ambiguous', matchedBy: 'phone', companyFound: true, count: 1 },
          { outcome: 'ambiguous', matchedBy: 'email', companyFound: false, count: 1 },
        ]),
      );
    });

    it('counts nothing on days without deliveries', async () => {
      const store = await openStore();
      await queue(store, acceptedSummary({ receivedAt: at(0) }));

      expect(await store.deliveryDays([at(MINUTE), at(DAY)])).toEqual({ days: [NOTHING], participants: [] });
    });
  });
}
