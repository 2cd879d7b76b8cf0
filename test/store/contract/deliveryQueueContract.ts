import { randomUUID } from 'node:crypto';
import type { ParticipantOutcome } from '../../../src/crm/crmConnector';
import type { ClaimedDelivery } from '../../../src/receiver/store/receiverStore';
import {
  acceptedSummary,
  at,
  claim,
  claimOne,
  complete,
  type ContractStores,
  deadLetter,
  detail,
  HOUR,
  LEASE_MS,
  MINUTE,
  queue,
  resend,
  retry,
  SECOND,
  timestamp,
  WRITTEN,
} from './contractFixtures';

/**
 * The contract of DeliveryQueue: accepting summaries, claiming under a lease, and what each attempt's end does to its
 * delivery.
 */
export function describeDeliveryQueueContract({ openStore }: ContractStores): void {
  describe('accepting summaries', () => {
    it('a new summary becomes a pending delivery that is due at once, with its exact bytes', async () => {
      const store = await openStore();
      const accepted = acceptedSummary({ receivedAt: at(0) });

      const result = await store.acceptSummary(accepted);

      expect(result.kind).toBe('queued');
      if (result.kind !== 'queued') return;
      expect(await claim(store, at(-1))).toEqual([]);
      const claimed = await claimOne(store, at(0));
      expect(claimed).toEqual({
        deliveryId: result.deliveryId,
        conversationId: accepted.conversationId,
        target: 'lime',
        eventId: result.eventId,
        rawBody: accepted.rawBody,
        version: 1,
        attempt: 1,
        firstReceivedAt: at(0),
      });
      expect(await store.getEventBody(result.eventId)).toEqual(accepted.rawBody);
    });

    it('many summaries accepted at once are each stored once, and a key repeated among them is a duplicate', async () => {
      const store = await openStore();
      const summaries = Array.from({ length: 50 }, (_, i) => acceptedSummary({ title: `Meeting ${i}` }));
      const repeated = { ...acceptedSummary({ title: 'Repeat' }), deliveryKey: summaries[0]!.deliveryKey };
      const results = await Promise.all([...summaries, repeated].map((each) => store.acceptSummary(each)));
      expect(results.slice(0, 50).every((result) => result.kind === 'queued')).toBe(true);
      expect(results[50]).toEqual({ kind: 'duplicate', eventId: results[0]!.eventId });
      expect(await store.listDeliveries({ limit: 100 })).toHaveLength(50);
    });

    it('a repeated delivery key is a duplicate answered with the original event id, even with another body', async () => {
      const store = await openStore();
      const original = acceptedSummary({ title: 'Original' });
      const first = await store.acceptSummary(original);
      if (first.kind !== 'queued') throw new Error('not queued');

      const again = await store.acceptSummary({
        ...acceptedSummary({ title: 'Changed', conversationId: original.conversationId }),
        deliveryKey: original.deliveryKey,
        rawBody: Buffer.from('{"different":true}'),
      });

      expect(again).toEqual({ kind: 'duplicate', eventId: first.eventId });
      expect(await store.getEventBody(first.eventId)).toEqual(original.rawBody);
      const rows = await store.listDeliveries({ limit: 10 });
      expect(rows.map((row) => row.title)).toEqual(['Original']);
      expect((await claimOne(store, at(0))).version).toBe(1);
    });

    it('an ignored event is recorded once and makes its delivery key a duplicate', async () => {
      const store = await openStore();
      const ignored = {
        deliveryKey: 'ignored-1',
        scheme: 'standard_webhooks' as const,
        receivedAt: at(0),
        eventType: 'conversation.started',
      };

      const first = await store.recordIgnoredEvent(ignored);
      const second = await store.recordIgnoredEvent(ignored);
      const asSummary = await store.acceptSummary(acceptedSummary({ deliveryKey: 'ignored-1' }));

      expect(first.duplicate).toBe(false);
      expect(second).toEqual({ eventId: first.eventId, duplicate: true });
      expect(asSummary).toEqual({ kind: 'duplicate', eventId: first.eventId });
      expect(await store.getEventBody(first.eventId)).toBeUndefined();
      expect(await store.listDeliveries({ limit: 10 })).toEqual([]);
    });

    it('a newer summary for a pending conversation replaces its payload and title, keeping one delivery', async () => {
      const store = await openStore();
      const first = acceptedSummary({ title: 'Draft title' });
      const deliveryId = await queue(store, first);
      const newer = resend(first, MINUTE, { title: 'Final title' });

      const result = await store.acceptSummary(newer);

      expect(result).toMatchObject({ kind: 'queued', deliveryId });
      const claimed = await claimOne(store, at(MINUTE));
      expect(claimed).toMatchObject({ deliveryId, rawBody: newer.rawBody, version: 2, attempt: 1 });
      const rows = await store.listDeliveries({ limit: 10 });
      expect(rows.map((row) => [row.id, row.title])).toEqual([[deliveryId, 'Final title']]);
    });

    it('a newer summary for a retrying conversation makes it due now, with attempts starting over', async () => {
      const store = await openStore();
      const first = acceptedSummary();
      const deliveryId = await queue(store, first);
      await retry(store, await claimOne(store, at(0)), at(SECOND), at(HOUR));

      await store.acceptSummary(resend(first, MINUTE));

      const row = await detail(store, deliveryId);
      expect(row).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: at(MINUTE) });
      expect(row.lastErrorCode).toBeUndefined();
      expect(await claimOne(store, at(MINUTE))).toMatchObject({ deliveryId, version: 2, attempt: 1 });
    });

    it('a re-sent conversation after delivery makes it due again and keeps one delivery row', async () => {
      const store = await openStore();
      const first = acceptedSummary();
      const deliveryId = await queue(store, first);
      await complete(store, await claimOne(store, at(0)), at(SECOND));
      const resent = resend(first, HOUR, { title: 'Offer review (edited)' });

      const result = await store.acceptSummary(resent);

      expect(result).toMatchObject({ kind: 'queued', deliveryId });
      expect(await detail(store, deliveryId)).toMatchObject({
        status: 'pending',
        attempts: 0,
        title: 'Offer review (edited)',
      });
      const claimed = await claimOne(store, at(HOUR));
      expect(claimed).toMatchObject({ deliveryId, rawBody: resent.rawBody, version: 2, attempt: 1 });
      expect(claimed.firstReceivedAt).toEqual(at(HOUR));
      expect(await store.listDeliveries({ limit: 10 })).toHaveLength(1);
    });

    it('a newer summary for a dead conversation makes it due again with fresh attempts', async () => {
      const store = await openStore();
      const first = acceptedSummary();
      const deliveryId = await queue(store, first);
      await deadLetter(store, await claimOne(store, at(0)), at(SECOND));

      await store.acceptSummary(resend(first, HOUR));

      const row = await detail(store, deliveryId);
      expect(row).toMatchObject({ status: 'pending', attempts: 0 });
      expect(row.lastErrorCode).toBeUndefined();
      expect(row.attemptLog).toMatchObject([{ outcome: 'dead', errorCode: 'unauthorized' }]);
      expect(await claimOne(store, at(HOUR))).toMatchObject({ deliveryId, version: 2, attempt: 1 });
    });

    it('an older summary arriving late is kept as stale and changes nothing', async () => {
      const store = await openStore();
      const newer = acceptedSummary({ eventTimestamp: timestamp(10 * MINUTE), title: 'Newer' });
      const deliveryId = await queue(store, newer);
      const older = acceptedSummary({
        conversationId: newer.conversationId,
        eventTimestamp: timestamp(5 * MINUTE),
        receivedAt: at(MINUTE),
        title: 'Older',
      });

      const result = await store.acceptSummary(older);

      expect(result).toMatchObject({ kind: 'stale', deliveryId });
      if (result.kind !== 'stale') return;
      expect(await store.getEventBody(result.eventId)).toEqual(older.rawBody);
      expect(await detail(store, deliveryId)).toMatchObject({ title: 'Newer', status: 'pending' });
      expect(await claimOne(store, at(MINUTE))).toMatchObject({ rawBody: newer.rawBody, version: 1 });
    });

    it('a summary with the same timestamp, or without one, replaces the held payload', async () => {
      const store = await openStore();
      const first = acceptedSummary({ eventTimestamp: timestamp(0) });
      const deliveryId = await queue(store, first);

      const sameTime = await store.acceptSummary(
        acceptedSummary({ conversationId: first.conversationId, eventTimestamp: timestamp(0) }),
      );
      const untimed = acceptedSummary({ conversationId: first.conversationId, eventTimestamp: undefined });
      const noTime = await store.acceptSummary(untimed);
      const olderAfterUntimed = await store.acceptSummary(
        acceptedSummary({ conversationId: first.conversationId, eventTimestamp: timestamp(-HOUR) }),
      );

      expect(sameTime).toMatchObject({ kind: 'queued', deliveryId });
      expect(noTime).toMatchObject({ kind: 'queued', deliveryId });
      expect(olderAfterUntimed).toMatchObject({ kind: 'queued', deliveryId });
      expect(await claimOne(store, at(0))).toMatchObject({ version: 4 });
    });

    it('each target gets its own delivery for the same conversation', async () => {
      const store = await openStore();
      const conversationId = randomUUID();

      const lime = await queue(store, acceptedSummary({ conversationId, target: 'lime' }));
      const other = await queue(store, acceptedSummary({ conversationId, target: 'superoffice' }));

      expect(lime).not.toBe(other);
      const claimed = await claim(store, at(0));
      expect(claimed.map((delivery) => delivery.target).sort()).toEqual(['lime', 'superoffice']);
    });
  });

  describe('claiming', () => {
    it('a claimed delivery is not handed out again while its lease lasts', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());

      await claimOne(store, at(0), 'worker-a');

      expect(await claim(store, at(LEASE_MS - 1), 'worker-b')).toEqual([]);
      expect(await detail(store, deliveryId)).toMatchObject({ status: 'in_progress', attempts: 1 });
    });

    it('an expired lease is reclaimed by another worker, counting a new attempt', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      await claimOne(store, at(0), 'worker-a');

      const reclaimed = await claimOne(store, at(LEASE_MS), 'worker-b');

      expect(reclaimed).toMatchObject({ deliveryId, attempt: 2, version: 1 });
    });

    it('the attempt a crashed worker never finished shows in the attempt log as lease_expired', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      await claimOne(store, at(0), 'worker-a');
      await claimOne(store, at(LEASE_MS), 'worker-b');

      const { attemptLog, attempts } = (await store.getDelivery(deliveryId))!;
      expect(attempts).toBe(2);
      expect(attemptLog).toEqual([
        expect.objectContaining({ attempt: 1, outcome: 'retry', errorCode: 'lease_expired', durationMs: LEASE_MS }),
      ]);
    });

    it('claims take the longest-due deliveries first and stop at the limit', async () => {
      const store = await openStore();
      const third = await queue(store, acceptedSummary({ receivedAt: at(2 * SECOND) }));
      const first = await queue(store, acceptedSummary({ receivedAt: at(0) }));
      const second = await queue(store, acceptedSummary({ receivedAt: at(SECOND) }));

      const batch = await claim(store, at(MINUTE), 'worker-a', 2);
      const rest = await claim(store, at(MINUTE), 'worker-a', 2);

      expect(batch.map((delivery) => delivery.deliveryId)).toEqual([first, second]);
      expect(rest.map((delivery) => delivery.deliveryId)).toEqual([third]);
      expect(await claim(store, at(MINUTE), 'worker-a', 0)).toEqual([]);
    });

    it('two workers claiming at once never get the same delivery', async () => {
      const storeA = await openStore();
      const storeB = await openStore();
      const total = 30;
      for (let i = 0; i < total; i += 1) await queue(storeA, acceptedSummary({ receivedAt: at(i) }));

      const claimed: ClaimedDelivery[] = [];
      for (let round = 0; round < 10; round += 1) {
        const batches = await Promise.all([
          claim(storeA, at(MINUTE), 'worker-a1', 2),
          claim(storeB, at(MINUTE), 'worker-b1', 2),
          claim(storeA, at(MINUTE), 'worker-a2', 2),
          claim(storeB, at(MINUTE), 'worker-b2', 2),
        ]);
        claimed.push(...batches.flat());
      }

      const ids = claimed.map((delivery) => delivery.deliveryId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(total);
      expect(claimed.every((delivery) => delivery.attempt === 1)).toBe(true);
    });
  });

  describe('finishing attempts', () => {
    it('a completed delivery shows as delivered with its attempt log and participant outcomes', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      await retry(store, await claimOne(store, at(0)), at(SECOND), at(MINUTE));
      const second = await claimOne(store, at(MINUTE));

      expect(await complete(store, second, at(MINUTE + SECOND))).toBe('delivered');

      const row = await detail(store, deliveryId);
      expect(row).toMatchObject({ status: 'delivered', attempts: 2, deliveredAt: at(MINUTE + SECOND) });
      expect(row.nextAttemptAt).toBeUndefined();
      expect(row.lastErrorCode).toBeUndefined();
      expect(row.lastErrorMessage).toBeUndefined();
      expect(row.attemptLog).toEqual([
        {
          attempt: 1,
          startedAt: at(SECOND),
          durationMs: 840,
          outcome: 'retry',
          errorCode: 'server_error',
          errorMessage: 'Lime answered 503',
          crmStatus: 503,
          apiCalls: 4,
        },
        { attempt: 2, startedAt: at(MINUTE + SECOND), durationMs: 840, outcome: 'delivered', apiCalls: 4 },
      ]);
      expect(row.outcomes).toEqual(WRITTEN);
      expect(await claim(store, at(HOUR * 24))).toEqual([]);
    });

    it('outcomes come back as stored: numeric CRM ids as numbers, text ids as text', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      const outcomes: ParticipantOutcome[] = [
        { participantIndex: 2, outcome: 'internal', trace: 'colleague: seller.se' },
        {
          participantIndex: 0,
          outcome: 'written',
          matchedBy: 'mobile',
          personId: 1001,
          companyId: 2001,
          noteId: 3001,
          trace: 'mobile +46701234567 → person 1001',
        },
        {
          participantIndex: 1,
          outcome: 'written',
          matchedBy: 'created',
          created: { company: false, person: true },
          personId: 'p-7f3a',
          companyId: '42',
          noteId: 'n-1',
          trace: 'no match; created person',
        },
        { participantIndex: 3, outcome: 'ambiguous', trace: 'two persons share phone 08-555 000 00' },
      ];

      await complete(store, await claimOne(store, at(0)), at(SECOND), outcomes);

      const stored = (await detail(store, deliveryId)).outcomes;
      expect(stored).toEqual([outcomes[1], outcomes[2], outcomes[0], outcomes[3]]);
      expect(typeof stored[0]?.personId).toBe('number');
      expect(stored[1]?.companyId).toBe('42');
    });

    it('a later completion replaces the previous outcomes as a whole', async () => {
      const store = await openStore();
      const first = acceptedSummary();
      const deliveryId = await queue(store, first);
      const three: ParticipantOutcome[] = [0, 1, 2].map((participantIndex) => ({
        participantIndex,
        outcome: 'no_match',
        trace: `participant ${participantIndex}`,
      }));
      await complete(store, await claimOne(store, at(0)), at(SECOND), three);
      await store.acceptSummary(resend(first, HOUR));

      await complete(store, await claimOne(store, at(HOUR)), at(HOUR + SECOND), WRITTEN);

      expect((await detail(store, deliveryId)).outcomes).toEqual(WRITTEN);
    });

    it('a temporary failure shows as retrying with its error until the next attempt time', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      const claimed = await claimOne(store, at(0));

      expect(await retry(store, claimed, at(SECOND), at(MINUTE))).toBe('retrying');

      expect(await detail(store, deliveryId)).toMatchObject({
        status: 'retrying',
        attempts: 1,
        nextAttemptAt: at(MINUTE),
        lastErrorCode: 'server_error',
        lastErrorMessage: 'Lime answered 503',
        attemptLog: [{ attempt: 1, outcome: 'retry', crmStatus: 503 }],
      });
      expect(await claim(store, at(MINUTE - 1))).toEqual([]);
      expect(await claimOne(store, at(MINUTE))).toMatchObject({ deliveryId, attempt: 2 });
    });

    it('a permanent failure moves the delivery to the dead letters with its reason', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());

      expect(await deadLetter(store, await claimOne(store, at(0)), at(SECOND))).toBe('dead');

      const row = await detail(store, deliveryId);
      expect(row).toMatchObject({
        status: 'dead',
        lastErrorCode: 'unauthorized',
        lastErrorMessage: 'Lime refused the API key',
        attemptLog: [{ outcome: 'dead', crmStatus: 401 }],
      });
      expect(row.nextAttemptAt).toBeUndefined();
      expect(await claim(store, at(HOUR * 24 * 365))).toEqual([]);
    });

    it('a completion after a newer payload arrived keeps its outcomes and sends the delivery round again', async () => {
      const store = await openStore();
      const first = acceptedSummary();
      const deliveryId = await queue(store, first);
      const claimed = await claimOne(store, at(0), 'worker-a');
      const newer = resend(first, SECOND);
      await store.acceptSummary(newer);
      expect(await claim(store, at(2 * SECOND), 'worker-b')).toEqual([]);

      expect(await complete(store, claimed, at(3 * SECOND))).toBe('superseded');

      const row = await detail(store, deliveryId);
      expect(row).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: at(3 * SECOND), outcomes: WRITTEN });
      expect(row.attemptLog).toMatchObject([{ attempt: 1, outcome: 'delivered' }]);
      const again = await claimOne(store, at(3 * SECOND), 'worker-b');
      expect(again).toMatchObject({ deliveryId, rawBody: newer.rawBody, version: 2, attempt: 1 });
      expect(await complete(store, again, at(4 * SECOND), WRITTEN, 'worker-b')).toBe('delivered');
    });

    it('a retry after a newer payload arrived makes the delivery due now, not at the backoff time', async () => {
      const store = await openStore();
      const first = acceptedSummary();
      const deliveryId = await queue(store, first);
      const claimed = await claimOne(store, at(0));
      await store.acceptSummary(resend(first, SECOND));

      expect(await retry(store, claimed, at(2 * SECOND), at(HOUR))).toBe('superseded');

      const row = await detail(store, deliveryId);
      expect(row).toMatchObject({ status: 'pending', attempts: 0, attemptLog: [{ outcome: 'retry' }] });
      expect(row.lastErrorCode).toBeUndefined();
      expect(await claimOne(store, at(2 * SECOND))).toMatchObject({ version: 2, attempt: 1 });
    });

    it('a dead letter after a newer payload arrived gives the newer payload its own attempts', async () => {
      const store = await openStore();
      const first = acceptedSummary();
      const deliveryId = await queue(store, first);
      const claimed = await claimOne(store, at(0));
      await store.acceptSummary(resend(first, SECOND));

      expect(await deadLetter(store, claimed, at(2 * SECOND))).toBe('superseded');

      expect(await detail(store, deliveryId)).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await claimOne(store, at(2 * SECOND))).toMatchObject({ version: 2, attempt: 1 });
    });

    it('a worker whose lease was taken over can no longer complete, retry or dead-letter (lost, nothing written)', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      const stale = await claimOne(store, at(0), 'worker-a');
      const current = await claimOne(store, at(LEASE_MS), 'worker-b');

      expect(await complete(store, stale, at(LEASE_MS + SECOND), WRITTEN, 'worker-a')).toBe('lost');
      expect(await retry(store, stale, at(LEASE_MS + SECOND), at(HOUR), 'worker-a')).toBe('lost');
      expect(await deadLetter(store, stale, at(LEASE_MS + SECOND), 'worker-a')).toBe('lost');
      const during = await detail(store, deliveryId);
      // Only the take-over's note of the lost attempt; nothing the stale worker sent.
      expect(during).toMatchObject({
        status: 'in_progress',
        attempts: 2,
        attemptLog: [{ attempt: 1, errorCode: 'lease_expired' }],
        outcomes: [],
      });

      expect(await complete(store, current, at(LEASE_MS + 2 * SECOND), WRITTEN, 'worker-b')).toBe('delivered');
      expect((await detail(store, deliveryId)).attemptLog).toMatchObject([
        { attempt: 1, errorCode: 'lease_expired' },
        { attempt: 2, outcome: 'delivered' },
      ]);
    });

    it('the same worker cannot finish an earlier attempt of a delivery it claimed again', async () => {
      const store = await openStore();
      await queue(store, acceptedSummary());
      const earlier = await claimOne(store, at(0), 'worker-a');
      const later = await claimOne(store, at(LEASE_MS), 'worker-a');

      expect(await complete(store, earlier, at(LEASE_MS + SECOND))).toBe('lost');
      expect(await complete(store, later, at(LEASE_MS + SECOND))).toBe('delivered');
    });

    it('a result for a delivery never claimed by that worker, or unknown, is lost', async () => {
      const store = await openStore();
      await queue(store, acceptedSummary());
      const claimed = await claimOne(store, at(0), 'worker-a');

      expect(await complete(store, claimed, at(SECOND), WRITTEN, 'worker-x')).toBe('lost');
      expect(await complete(store, { ...claimed, deliveryId: randomUUID() }, at(SECOND))).toBe('lost');
      expect(await complete(store, claimed, at(SECOND))).toBe('delivered');
      expect(await complete(store, claimed, at(2 * SECOND))).toBe('lost');
    });

    it('a late result counts when the lease ran out but nobody took the delivery over', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      const claimed = await claimOne(store, at(0));

      expect(await complete(store, claimed, at(2 * LEASE_MS))).toBe('delivered');
      expect(await detail(store, deliveryId)).toMatchObject({ status: 'delivered' });
    });
  });

  describe('releasing', () => {
    it('a released delivery is due again at once, without counting the attempt', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      await retry(store, await claimOne(store, at(0)), at(SECOND), at(MINUTE));
      await claimOne(store, at(MINUTE), 'worker-a');

      await store.releaseDelivery({ deliveryId, workerId: 'worker-a', now: at(MINUTE + SECOND) });

      expect(await detail(store, deliveryId)).toMatchObject({
        status: 'pending',
        attempts: 1,
        nextAttemptAt: at(MINUTE + SECOND),
      });
      // The given-back attempt is in the log, so the next attempt knows it may have written something.
      expect((await detail(store, deliveryId)).attemptLog.at(-1)).toMatchObject({
        outcome: 'retry',
        errorCode: 'released',
      });
      expect(await claimOne(store, at(MINUTE + SECOND), 'worker-b')).toMatchObject({ attempt: 2 });
    });

    it('only the worker holding the lease can release it', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      await claimOne(store, at(0), 'worker-a');

      await store.releaseDelivery({ deliveryId, workerId: 'worker-b', now: at(SECOND) });

      expect(await detail(store, deliveryId)).toMatchObject({ status: 'in_progress', attempts: 1 });
      expect(await claim(store, at(SECOND), 'worker-b')).toEqual([]);
    });
  });

  describe('requeueing', () => {
    it('a requeued dead delivery is due now with attempts reset, its errors kept in the attempt log', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      await deadLetter(store, await claimOne(store, at(0)), at(SECOND));

      expect(await store.requeue(deliveryId, at(HOUR))).toBe(true);

      const row = await detail(store, deliveryId);
      expect(row).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: at(HOUR) });
      expect(row.lastErrorCode).toBeUndefined();
      expect(row.attemptLog).toMatchObject([{ outcome: 'dead', errorCode: 'unauthorized' }]);
      const claimed = await claimOne(store, at(HOUR));
      expect(claimed).toMatchObject({ deliveryId, attempt: 1, version: 1, firstReceivedAt: at(HOUR) });
    });

    it('a requeued delivered delivery is sent again', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      await complete(store, await claimOne(store, at(0)), at(SECOND));

      expect(await store.requeue(deliveryId, at(HOUR))).toBe(true);

      expect(await claimOne(store, at(HOUR))).toMatchObject({ deliveryId, attempt: 1 });
    });

    it('requeueing a retrying delivery makes it due now and keeps its attempt count', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      await retry(store, await claimOne(store, at(0)), at(SECOND), at(HOUR));

      expect(await store.requeue(deliveryId, at(MINUTE))).toBe(true);

      expect(await detail(store, deliveryId)).toMatchObject({ status: 'retrying', nextAttemptAt: at(MINUTE) });
      expect(await claimOne(store, at(MINUTE))).toMatchObject({ attempt: 2 });
    });

    it('requeue refuses a delivery in progress or one that does not exist', async () => {
      const store = await openStore();
      const deliveryId = await queue(store, acceptedSummary());
      await claimOne(store, at(0));

      expect(await store.requeue(deliveryId, at(SECOND))).toBe(false);
      expect(await store.requeue(randomUUID(), at(SECOND))).toBe(false);
      expect(await detail(store, deliveryId)).toMatchObject({ status: 'in_progress', attempts: 1 });
    });

    it('requeueing all dead deliveries touches only the dead ones and says how many', async () => {
      const store = await openStore();
      const [deadA, deadB, delivered, pending] = [
        await queue(store, acceptedSummary({ receivedAt: at(0) })),
        await queue(store, acceptedSummary({ receivedAt: at(1) })),
        await queue(store, acceptedSummary({ receivedAt: at(2) })),
        await queue(store, acceptedSummary({ receivedAt: at(HOUR) })),
      ];
      const [a, b, c] = await claim(store, at(SECOND), 'worker-a', 3);
      if (a === undefined || b === undefined || c === undefined) throw new Error('expected three claims');
      await deadLetter(store, a, at(2 * SECOND));
      await deadLetter(store, b, at(2 * SECOND));
      await complete(store, c, at(2 * SECOND));

      expect(await store.requeueAllDead(at(MINUTE))).toBe(2);

      const statusOf = async (id: string | undefined) => (await detail(store, id ?? '')).status;
      expect(await Promise.all([deadA, deadB, delivered, pending].map(statusOf))).toEqual([
        'pending',
        'pending',
        'delivered',
        'pending',
      ]);
      expect(await store.requeueAllDead(at(MINUTE))).toBe(0);
    });
  });

  describe('summary source', () => {
    it('a summary that names no source reads as webhook; one that does reads as its source', async () => {
      const store = await openStore();
      const webhook = await queue(store, acceptedSummary());
      const backfill = await queue(store, acceptedSummary({ source: 'backfill' }));

      expect((await detail(store, webhook)).source).toBe('webhook');
      expect((await detail(store, backfill)).source).toBe('backfill');
      const rows = await store.listDeliveries({ limit: 10 });
      expect(Object.fromEntries(rows.map((row) => [row.id, row.source]))).toEqual({
        [webhook]: 'webhook',
        [backfill]: 'backfill',
      });
    });

    it('a newer payload from the poll makes the delivery show poll; a stale one changes nothing', async () => {
      const store = await openStore();
      const first = acceptedSummary();
      const deliveryId = await queue(store, first);
      await complete(store, await claimOne(store, at(0)), at(SECOND));

      await queue(store, resend(first, HOUR, { source: 'poll' }));
      const stale = await store.acceptSummary(resend(first, -HOUR, { source: 'backfill' }));

      expect(stale.kind).toBe('stale');
      expect(await detail(store, deliveryId)).toMatchObject({ status: 'pending', source: 'poll' });
      expect(await store.listDeliveries({ status: 'pending', limit: 10 })).toMatchObject([
        { id: deliveryId, source: 'poll' },
      ]);
    });

    it('many summaries accepted at once each keep their own source', async () => {
      const store = await openStore();
      const sources = ['webhook', 'poll', 'backfill', undefined] as const;
      const summaries = Array.from({ length: 20 }, (_, i) => acceptedSummary({ source: sources[i % 4] }));

      const results = await Promise.all(summaries.map((each) => store.acceptSummary(each)));

      const held = await store.heldPayloads(
        'lime',
        summaries.map((each) => each.conversationId),
      );
      expect(held.map((payload) => payload.source)).toEqual(summaries.map((each) => each.source ?? 'webhook'));
      expect(results.every((result) => result.kind === 'queued')).toBe(true);
    });
  });

  describe('one queue, several CRM targets', () => {
    it("a worker claims only its target's deliveries: after switching CRM, the other CRM's wait, never sent to the wrong one", async () => {
      const store = await openStore();
      const conversationId = randomUUID();
      const lime = await store.acceptSummary(acceptedSummary({ conversationId, target: 'lime' }));
      const superOffice = await store.acceptSummary(acceptedSummary({ conversationId, target: 'superoffice' }));
      expect([lime.kind, superOffice.kind]).toEqual(['queued', 'queued']);
      if (lime.kind !== 'queued' || superOffice.kind !== 'queued') return;

      const claimed = await store.claimDue({
        workerId: 'w',
        now: at(0),
        limit: 10,
        leaseMs: LEASE_MS,
        target: 'superoffice',
      });
      expect(claimed.map((each) => [each.deliveryId, each.target])).toEqual([[superOffice.deliveryId, 'superoffice']]);
      // The Lime delivery of the same conversation is still pending, for a Lime worker (or any, without a target).
      expect(
        await store.claimDue({ workerId: 'w', now: at(0), limit: 10, leaseMs: LEASE_MS, target: 'superoffice' }),
      ).toEqual([]);
      const rest = await store.claimDue({ workerId: 'w', now: at(0), limit: 10, leaseMs: LEASE_MS });
      expect(rest.map((each) => [each.deliveryId, each.target])).toEqual([[lime.deliveryId, 'lime']]);
    });
  });
}
