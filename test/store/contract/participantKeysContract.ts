import type { ParticipantKey } from '../../../src/receiver/store/receiverStore';
import {
  acceptedSummary,
  at,
  claimOne,
  complete,
  type ContractStores,
  DAY,
  deadLetter,
  detail,
  MINUTE,
  queue,
  resend,
  SECOND,
} from './contractFixtures';

/** A lookup hash as the receiver makes them (64 hex characters); the store never sees the value behind it. */
function hash(n: number): string {
  return n.toString(16).padStart(64, '0');
}

const ANNA_EMAIL = hash(1);
const ANNA_MOBILE = hash(2);
const BO_EMAIL = hash(3);
const CARL_PHONE = hash(4);

function keys(...entries: Array<[number, ParticipantKey['kind'], string]>): ParticipantKey[] {
  return entries.map(([participantIndex, kind, keyHash]) => ({ participantIndex, kind, hash: keyHash }));
}

/** The contract of ParticipantKeyStore: the participant lookup rows, written with the payload and found by hash. */
export function describeParticipantKeysContract({ openStore }: ContractStores): void {
  describe('participant lookup keys', () => {
    it('a delivery is found by a hash of its participant, with the participant, conversation and receipt', async () => {
      const store = await openStore();
      const accepted = acceptedSummary({
        receivedAt: at(MINUTE),
        participantKeys: keys([0, 'email', ANNA_EMAIL], [0, 'phone', ANNA_MOBILE], [2, 'email', BO_EMAIL]),
      });
      const deliveryId = await queue(store, accepted);
      await queue(store, acceptedSummary({ participantKeys: keys([0, 'phone', CARL_PHONE]) }));

      expect(await store.findByParticipantKeys({ hashes: [BO_EMAIL] })).toEqual([
        {
          deliveryId,
          participantIndex: 2,
          kind: 'email',
          conversationId: accepted.conversationId,
          target: 'lime',
          receivedAt: at(MINUTE),
        },
      ]);
      // Two hashes of one participant give the participant once.
      const both = await store.findByParticipantKeys({ hashes: [ANNA_EMAIL, ANNA_MOBILE] });
      expect(both.map((hit) => [hit.deliveryId, hit.participantIndex])).toEqual([[deliveryId, 0]]);
      expect(await store.findByParticipantKeys({ hashes: [hash(99)] })).toEqual([]);
      expect(await store.findByParticipantKeys({ hashes: [] })).toEqual([]);
    });

    it('newest payload first; receivedSince, target and limit narrow the hits', async () => {
      const store = await openStore();
      const older = await queue(
        store,
        acceptedSummary({ receivedAt: at(0), participantKeys: keys([1, 'email', ANNA_EMAIL]) }),
      );
      const newer = await queue(
        store,
        acceptedSummary({ receivedAt: at(DAY), participantKeys: keys([0, 'email', ANNA_EMAIL]) }),
      );
      const otherCrm = await queue(
        store,
        acceptedSummary({
          receivedAt: at(2 * DAY),
          target: 'superoffice',
          participantKeys: keys([0, 'email', ANNA_EMAIL]),
        }),
      );

      const ids = async (query: Parameters<typeof store.findByParticipantKeys>[0]) =>
        (await store.findByParticipantKeys(query)).map((hit) => hit.deliveryId);
      expect(await ids({ hashes: [ANNA_EMAIL] })).toEqual([otherCrm, newer, older]);
      expect(await ids({ hashes: [ANNA_EMAIL], target: 'lime' })).toEqual([newer, older]);
      expect(await ids({ hashes: [ANNA_EMAIL], receivedSince: at(DAY) })).toEqual([otherCrm, newer]);
      expect(await ids({ hashes: [ANNA_EMAIL], limit: 1 })).toEqual([otherCrm]);
    });

    it("a newer payload's rows replace the old ones; a stale or duplicate one changes nothing", async () => {
      const store = await openStore();
      const first = acceptedSummary({ participantKeys: keys([0, 'email', ANNA_EMAIL]) });
      const deliveryId = await queue(store, first);
      const newer = resend(first, MINUTE, { participantKeys: keys([0, 'email', BO_EMAIL]) });
      await queue(store, newer);

      expect(await store.findByParticipantKeys({ hashes: [ANNA_EMAIL] })).toEqual([]);
      expect(await store.findByParticipantKeys({ hashes: [BO_EMAIL] })).toMatchObject([
        { deliveryId, receivedAt: at(MINUTE) },
      ]);

      const stale = resend(first, -MINUTE, { participantKeys: keys([0, 'email', CARL_PHONE]) });
      expect((await store.acceptSummary(stale)).kind).toBe('stale');
      expect((await store.acceptSummary({ ...newer, participantKeys: keys([0, 'email', CARL_PHONE]) })).kind).toBe(
        'duplicate',
      );
      expect(await store.findByParticipantKeys({ hashes: [CARL_PHONE] })).toEqual([]);
      expect(await store.findByParticipantKeys({ hashes: [BO_EMAIL] })).toHaveLength(1);
    });

    it('delivered and dead deliveries are found as well as pending ones', async () => {
      const store = await openStore();
      const delivered = await queue(
        store,
        acceptedSummary({ receivedAt: at(0), participantKeys: keys([0, 'email', ANNA_EMAIL]) }),
      );
      await complete(store, await claimOne(store, at(SECOND)), at(2 * SECOND));
      const dead = await queue(
        store,
        acceptedSummary({ receivedAt: at(MINUTE), participantKeys: keys([0, 'email', ANNA_EMAIL]) }),
      );
      await deadLetter(store, await claimOne(store, at(2 * MINUTE)), at(2 * MINUTE + SECOND));

      const hits = await store.findByParticipantKeys({ hashes: [ANNA_EMAIL] });
      expect(hits.map((hit) => hit.deliveryId)).toEqual([dead, delivered]);
      expect((await detail(store, dead)).status).toBe('dead');
    });

    it('replaceParticipantKeys replaces the rows of the payload the delivery holds, never of an older one', async () => {
      const store = await openStore();
      const first = acceptedSummary({ participantKeys: keys([0, 'email', ANNA_EMAIL]) });
      const deliveryId = await queue(store, first);
      const { eventId: firstEvent } = await detail(store, deliveryId);
      await queue(store, resend(first, MINUTE, { participantKeys: keys([0, 'email', BO_EMAIL]) }));
      const { eventId: currentEvent } = await detail(store, deliveryId);

      expect(
        await store.replaceParticipantKeys({
          deliveryId,
          eventId: firstEvent,
          keys: keys([0, 'phone', CARL_PHONE]),
        }),
      ).toBe(false);
      expect(await store.findByParticipantKeys({ hashes: [CARL_PHONE] })).toEqual([]);

      expect(
        await store.replaceParticipantKeys({
          deliveryId,
          eventId: currentEvent,
          keys: keys([0, 'email', BO_EMAIL], [1, 'phone', CARL_PHONE]),
        }),
      ).toBe(true);
      expect(await store.findByParticipantKeys({ hashes: [CARL_PHONE] })).toMatchObject([
        { deliveryId, participantIndex: 1, kind: 'phone' },
      ]);
      expect(await store.replaceParticipantKeys({ deliveryId: 'no-such', eventId: currentEvent, keys: [] })).toBe(
        false,
      );
    });

    it('listKeyablePayloads pages through the deliveries that hold a payload, with its current body', async () => {
      const store = await openStore();
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) ids.push(await queue(store, acceptedSummary({ receivedAt: at(i * SECOND) })));
      ids.sort();

      const first = await store.listKeyablePayloads({ limit: 2 });
      const rest = await store.listKeyablePayloads({ afterDeliveryId: first.at(-1)?.deliveryId, limit: 2 });
      expect([...first, ...rest].map((payload) => payload.deliveryId)).toEqual(ids);
      const one = first[0]!;
      expect(one.eventId).toBe((await detail(store, one.deliveryId)).eventId);
      expect(one.rawBody).toEqual(await store.getEventBody(one.eventId));
      expect(await store.listKeyablePayloads({ limit: 0 })).toEqual([]);

      // An erased payload has nothing left to key.
      await store.erasePersonalData({ eventIds: [one.eventId], email: 'anna@customer.se', now: at(DAY) });
      expect((await store.listKeyablePayloads({ limit: 10 })).map((payload) => payload.deliveryId)).toEqual(
        ids.filter((id) => id !== one.deliveryId),
      );
    });

    it("the delivery log's search finds a delivery by a participant's hash, besides titles and ids", async () => {
      const store = await openStore();
      const anna = await queue(
        store,
        acceptedSummary({ title: 'Offer review', receivedAt: at(0), participantKeys: keys([0, 'email', ANNA_EMAIL]) }),
      );
      const titled = await queue(store, acceptedSummary({ title: `About ${ANNA_EMAIL}`, receivedAt: at(SECOND) }));
      await queue(store, acceptedSummary({ title: 'Other', participantKeys: keys([0, 'email', BO_EMAIL]) }));

      const ids = async (query: Parameters<typeof store.listDeliveries>[0]) =>
        (await store.listDeliveries(query)).map((row) => row.id);
      // The typed text finds a title that contains it, and the hash finds the participant's delivery.
      expect(await ids({ search: ANNA_EMAIL, participantKeyHash: ANNA_EMAIL, limit: 10 })).toEqual([titled, anna]);
      expect(await ids({ search: ANNA_EMAIL, limit: 10 })).toEqual([titled]);
      expect(await ids({ search: 'x', participantKeyHash: ANNA_EMAIL, status: 'dead', limit: 10 })).toEqual([]);
    });

    it('the first stored lookup seed is kept: a later candidate, from any instance, gets it back', async () => {
      const store = await openStore();
      const seed = 'A'.repeat(43) + '=';
      expect(await store.claimLookupSeed(seed)).toBe(seed);
      expect(await store.claimLookupSeed('B'.repeat(43) + '=')).toBe(seed);
      const again = await openStore();
      expect(await again.claimLookupSeed('C'.repeat(43) + '=')).toBe(seed);
    });

    it('the id of the key the rows are under is undefined until written', async () => {
      const store = await openStore();
      expect(await store.readParticipantKeysId()).toBeUndefined();
      await store.writeParticipantKeysId('0123456789abcdef');
      await store.writeParticipantKeysId('fedcba9876543210');
      expect(await store.readParticipantKeysId()).toBe('fedcba9876543210');
    });

    it("erasure removes the erased payloads' rows and every row with the person's hashes", async () => {
      const store = await openStore();
      const erased = await queue(
        store,
        acceptedSummary({ participantKeys: keys([0, 'email', ANNA_EMAIL], [1, 'email', BO_EMAIL]) }),
      );
      // Another delivery whose payload the erasure scan did not pick, but which has Anna's hash.
      const kept = await queue(
        store,
        acceptedSummary({ participantKeys: keys([0, 'email', ANNA_EMAIL], [1, 'phone', CARL_PHONE]) }),
      );
      const { eventId } = await detail(store, erased);

      await store.erasePersonalData({
        eventIds: [eventId],
        email: 'anna@customer.se',
        participantKeyHashes: [ANNA_EMAIL],
        now: at(DAY),
      });

      expect(await store.findByParticipantKeys({ hashes: [ANNA_EMAIL] })).toEqual([]);
      // Bo was in the erased payload: that payload's rows are gone whole.
      expect(await store.findByParticipantKeys({ hashes: [BO_EMAIL] })).toEqual([]);
      expect(await store.findByParticipantKeys({ hashes: [CARL_PHONE] })).toMatchObject([{ deliveryId: kept }]);
    });

    it('the retention purge removes the rows of the deliveries it purges, and no others', async () => {
      const store = await openStore();
      const purged = await queue(
        store,
        acceptedSummary({ receivedAt: at(0), participantKeys: keys([0, 'email', ANNA_EMAIL]) }),
      );
      await complete(store, await claimOne(store, at(SECOND)), at(2 * SECOND));
      const open = await queue(
        store,
        acceptedSummary({ receivedAt: at(MINUTE), participantKeys: keys([0, 'email', ANNA_EMAIL]) }),
      );

      await store.purgeDeliveredPayloads({ deliveredBefore: at(MINUTE), now: at(31 * DAY) });

      expect((await detail(store, purged)).payloadRemoved?.reason).toBe('retention');
      expect((await store.findByParticipantKeys({ hashes: [ANNA_EMAIL] })).map((hit) => hit.deliveryId)).toEqual([
        open,
      ]);
    });
  });
}
