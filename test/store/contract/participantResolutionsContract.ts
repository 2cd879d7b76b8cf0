import type { ParticipantOutcome } from '../../../src/crm/crmConnector';
import {
  acceptedSummary,
  at,
  claimOne,
  complete,
  DAY,
  detail,
  queue,
  resend,
  SECOND,
  type ContractStores,
} from './contractFixtures';

// ParticipantResolutions (issue 19 items 2 and 3): which delivered meetings still have participants without a
// person, and the later outcome of those participants alone.

const FIRST: ParticipantOutcome[] = [
  { participantIndex: 0, outcome: 'written', matchedBy: 'email', personId: 1001, noteId: 3001, trace: 'anna' },
  { participantIndex: 1, outcome: 'no_match', trace: 'email bo@acme.se → 0 hits → no match' },
  { participantIndex: 2, outcome: 'ambiguous', companyId: 2001, trace: 'two persons' },
  { participantIndex: 3, outcome: 'internal', trace: 'colleague' },
];

const BO_LATER: ParticipantOutcome = {
  participantIndex: 1,
  outcome: 'written',
  matchedBy: 'email',
  personId: 1002,
  companyId: 2001,
  noteId: 3002,
  trace: 'email bo@acme.se → person 1002 (unique) → note 3002 created',
};

export function describeParticipantResolutionsContract({ openStore }: ContractStores): void {
  describe('participant resolutions', () => {
    it('lists the delivered meetings with participants left without a person, within the window, newest first', async () => {
      const store = await openStore();
      const old = await queue(store, acceptedSummary({ receivedAt: at(0) }));
      await complete(store, await claimOne(store, at(0)), at(SECOND), FIRST);
      const recent = await queue(store, acceptedSummary({ receivedAt: at(10 * DAY) }));
      await complete(store, await claimOne(store, at(10 * DAY)), at(10 * DAY + SECOND), FIRST);
      const allMatched = await queue(store, acceptedSummary({ receivedAt: at(11 * DAY) }));
      await complete(store, await claimOne(store, at(11 * DAY)), at(11 * DAY + SECOND), [FIRST[0]!, FIRST[3]!]);
      await queue(store, acceptedSummary({ receivedAt: at(12 * DAY), target: 'superoffice' }));

      const listed = await store.listUnresolved({ target: 'lime', since: at(0), limit: 10 });
      expect(listed.map((each) => each.deliveryId)).toEqual([recent, old]);
      expect(listed[0]).toMatchObject({ participantIndexes: [1, 2], receivedAt: at(10 * DAY) });
      expect(listed.some((each) => each.deliveryId === allMatched)).toBe(false);
      expect(await store.listUnresolved({ target: 'lime', since: at(DAY), limit: 10 })).toHaveLength(1);
      expect(await store.listUnresolved({ target: 'lime', since: at(0), limit: 1 })).toHaveLength(1);
      expect(await store.listUnresolved({ target: 'superoffice', since: at(0), limit: 10 })).toEqual([]);
    });

    it('a later outcome replaces only its participant, says how and when, and is no longer listed', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      await complete(store, await claimOne(store, at(0)), at(SECOND), FIRST);

      const result = await store.resolveParticipants({
        deliveryId,
        outcomes: [BO_LATER],
        resolved: { how: 'rematch', at: at(DAY) },
      });
      expect(result).toBe('resolved');
      const { outcomes } = await detail(store, deliveryId);
      expect(outcomes).toEqual([
        FIRST[0],
        { ...BO_LATER, resolvedLater: { how: 'rematch', at: at(DAY), by: undefined } },
        FIRST[2],
        FIRST[3],
      ]);
      const listed = await store.listUnresolved({ target: 'lime', since: at(0), limit: 10 });
      expect(listed).toEqual([expect.objectContaining({ deliveryId, participantIndexes: [2] })]);
    });

    it("an admin's choice is stored with who chose", async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      await complete(store, await claimOne(store, at(0)), at(SECOND), FIRST);
      const assigned: ParticipantOutcome = { ...BO_LATER, participantIndex: 2, matchedBy: 'assigned' };
      await store.resolveParticipants({
        deliveryId,
        outcomes: [assigned],
        resolved: { how: 'admin', at: at(DAY), by: 'admin (session 1a2b)' },
      });
      const stored = (await detail(store, deliveryId)).outcomes[2];
      expect(stored).toEqual({ ...assigned, resolvedLater: { how: 'admin', at: at(DAY), by: 'admin (session 1a2b)' } });
    });

    it('nothing is merged while the meeting is being delivered again, and a new delivery clears the marks', async () => {
      const store = await openStore();
      const first = acceptedSummary();
      const deliveryId = await queue(store, first);
      await complete(store, await claimOne(store, at(0)), at(SECOND), FIRST);
      await store.resolveParticipants({ deliveryId, outcomes: [BO_LATER], resolved: { how: 'rematch', at: at(DAY) } });
      await queue(store, resend(first, 2 * DAY));

      const refused = await store.resolveParticipants({
        deliveryId,
        outcomes: [{ ...BO_LATER, participantIndex: 2 }],
        resolved: { how: 'rematch', at: at(2 * DAY) },
      });
      expect(refused).toBe('not_delivered');
      await complete(store, await claimOne(store, at(2 * DAY)), at(2 * DAY + SECOND), FIRST);
      const { outcomes } = await detail(store, deliveryId);
      expect(outcomes).toEqual(FIRST);
    });
  });
}
