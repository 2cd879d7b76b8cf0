import { randomUUID } from 'node:crypto';
import type { ContactIndexEntry, ParticipantOutcome } from '../../src/crm/crmConnector';
import type {
  AcceptedSummary,
  AttemptRecord,
  ClaimedDelivery,
  DeliveryStatus,
  EnrichmentRecord,
  ReceiverStore,
} from '../../src/receiver/store/receiverStore';

// The behaviour every ReceiverStore adapter must show, registered as Jest blocks so each adapter's test file runs
// the same suite: `describeStoreContract('SQLite', () => openSqliteStore({ file }))`.

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const LEASE_MS = 5 * MINUTE;

/** The instant `ms` after the suite's fixed start time. */
function at(ms: number): Date {
  return new Date(T0 + ms);
}

/** The payload's own timestamp, `ms` after the start time. */
function timestamp(ms: number): string {
  return at(ms).toISOString();
}

let sequence = 0;

/** A verified summary with a fresh delivery key and conversation; `fields` replace the defaults. */
export function acceptedSummary(fields: Partial<AcceptedSummary> = {}): AcceptedSummary {
  sequence += 1;
  return {
    deliveryKey: `delivery-${sequence}-${randomUUID()}`,
    scheme: 'dci',
    receivedAt: at(0),
    rawBody: Buffer.from(JSON.stringify({ event: 'conversation.completed', sequence })),
    conversationId: randomUUID(),
    eventTimestamp: timestamp(0),
    title: `Offer review ${sequence}`,
    target: 'lime',
    ...fields,
  };
}

/** A later payload for the same conversation and target: a new delivery key, body, title and timestamp. */
function resend(original: AcceptedSummary, laterMs: number, fields: Partial<AcceptedSummary> = {}): AcceptedSummary {
  return acceptedSummary({
    conversationId: original.conversationId,
    target: original.target,
    receivedAt: new Date(original.receivedAt.getTime() + laterMs),
    eventTimestamp: timestamp(Date.parse(original.eventTimestamp ?? timestamp(0)) - T0 + laterMs),
    ...fields,
  });
}

function attemptOf(claimed: ClaimedDelivery, startedAt: Date, fields: Partial<AttemptRecord> = {}): AttemptRecord {
  return { attempt: claimed.attempt, startedAt, durationMs: 840, outcome: 'delivered', apiCalls: 4, ...fields };
}

const SERVER_ERROR: Partial<AttemptRecord> = {
  outcome: 'retry',
  errorCode: 'server_error',
  errorMessage: 'Lime answered 503',
  crmStatus: 503,
};
const UNAUTHORIZED: Partial<AttemptRecord> = {
  outcome: 'dead',
  errorCode: 'unauthorized',
  errorMessage: 'Lime refused the API key',
  crmStatus: 401,
};

const WRITTEN: ParticipantOutcome[] = [
  {
    participantIndex: 0,
    outcome: 'written',
    matchedBy: 'email',
    personId: 1001,
    companyId: 2001,
    noteId: 3001,
    trace: 't0',
  },
];

/** A person in the contact index: inactive false, nothing else unless `fields` give it. */
function contact(personId: ContactIndexEntry['personId'], fields: Partial<ContactIndexEntry> = {}): ContactIndexEntry {
  return { personId, inactive: false, ...fields };
}

const ANNA = contact(1001, {
  email: 'anna@customer.se',
  mobileE164: '+46701234567',
  phoneE164: '+4686001000',
  companyId: 2001,
  companyName: 'Customer AB',
  companyMainE164: '+4686000000',
  updatedAt: '2026-11-19T08:30:00.000Z',
});
const BO = contact('bo-77', {
  email: 'bo@other.se',
  mobileE164: '+46709876543',
  companyId: 'company-x',
  companyName: 'Other AB',
  inactive: true,
});
const CARL = contact(1003, { companyId: 2001, companyName: 'Customer AB', companyMainE164: '+4686000000' });

/** Compares found entries whatever their order. */
function byPerson(entries: readonly ContactIndexEntry[]): ContactIndexEntry[] {
  return [...entries].sort((a, b) => JSON.stringify(a.personId).localeCompare(JSON.stringify(b.personId)));
}

/**
 * Registers the contract suite. `open` opens the database under test: every call within one test opens the same
 * database (a second instance, or the same data again after close), and the caller gives each test a fresh, empty
 * one (in a `beforeEach`). The suite closes what it opened.
 */
export function describeStoreContract(name: string, open: () => Promise<ReceiverStore>): void {
  describe(`${name} store (contract)`, () => {
    const opened = new Set<ReceiverStore>();

    async function openStore(): Promise<ReceiverStore> {
      const store = await open();
      opened.add(store);
      return store;
    }

    async function closeStore(store: ReceiverStore): Promise<void> {
      opened.delete(store);
      await store.close();
    }

    afterEach(async () => {
      const stores = [...opened];
      opened.clear();
      await Promise.all(stores.map((store) => store.close()));
    });

    async function claim(store: ReceiverStore, now: Date, workerId = 'worker-a', limit = 10) {
      return store.claimDue({ workerId, now, limit, leaseMs: LEASE_MS });
    }

    /** Claims and expects exactly one delivery. */
    async function claimOne(store: ReceiverStore, now: Date, workerId = 'worker-a'): Promise<ClaimedDelivery> {
      const claimed = await claim(store, now, workerId);
      expect(claimed).toHaveLength(1);
      return claimed[0] as ClaimedDelivery;
    }

    async function complete(
      store: ReceiverStore,
      claimed: ClaimedDelivery,
      now: Date,
      outcomes: ParticipantOutcome[] = WRITTEN,
      workerId = 'worker-a',
    ) {
      return store.completeDelivery({
        deliveryId: claimed.deliveryId,
        workerId,
        version: claimed.version,
        attempt: attemptOf(claimed, now),
        outcomes,
        now,
      });
    }

    async function retry(
      store: ReceiverStore,
      claimed: ClaimedDelivery,
      now: Date,
      nextAttemptAt: Date,
      workerId = 'worker-a',
    ) {
      return store.retryDelivery({
        deliveryId: claimed.deliveryId,
        workerId,
        version: claimed.version,
        attempt: attemptOf(claimed, now, SERVER_ERROR),
        nextAttemptAt,
        now,
      });
    }

    async function deadLetter(store: ReceiverStore, claimed: ClaimedDelivery, now: Date, workerId = 'worker-a') {
      return store.deadLetterDelivery({
        deliveryId: claimed.deliveryId,
        workerId,
        version: claimed.version,
        attempt: attemptOf(claimed, now, UNAUTHORIZED),
        now,
      });
    }

    async function detail(store: ReceiverStore, deliveryId: string) {
      const found = await store.getDelivery(deliveryId);
      if (found === undefined) throw new Error(`delivery ${deliveryId} not found`);
      return found;
    }

    async function queue(store: ReceiverStore, accepted: AcceptedSummary): Promise<string> {
      const result = await store.acceptSummary(accepted);
      if (result.kind !== 'queued') throw new Error(`expected queued, got ${result.kind}`);
      return result.deliveryId;
    }

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

    describe('the delivery log', () => {
      async function seedLog(store: ReceiverStore) {
        const titles = [
          'Årsmöte Acme AB',
          'Offer review 100%_done',
          'Weekly sync',
          'WEEKLY planning',
          'Kickoff Öresund',
        ];
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
        const idsFor = async (search: string) =>
          (await store.listDeliveries({ search, limit: 10 })).map((row) => row.id);

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

    describe('settings', () => {
      it('a new store has no settings', async () => {
        const store = await openStore();
        expect(await store.readSettings()).toEqual({});
      });

      it('saved settings read back as written: text, booleans, lists, objects', async () => {
        const store = await openStore();
        const values = {
          'lime.url': 'https://lime.example.com/Lime CRM',
          'lime.createMissingContacts': true,
          'lime.internalDomains': ['seller.se', 'seller.no'],
          'other.nested': { count: 3, text: 'Åsa', none: null },
        };
        await store.writeSettings(values);
        expect(await store.readSettings()).toEqual(values);
      });

      it('writing a key again replaces its value; keys not given stay', async () => {
        const store = await openStore();
        await store.writeSettings({ 'lime.url': 'https://a.example.com/x', 'lime.historyType': 'comment' });
        await store.writeSettings({ 'lime.url': 'https://b.example.com/y' });
        expect(await store.readSettings()).toEqual({
          'lime.url': 'https://b.example.com/y',
          'lime.historyType': 'comment',
        });
      });

      it('undefined removes a key (removing a missing one is fine); false and empty values are kept', async () => {
        const store = await openStore();
        await store.writeSettings({ 'lime.url': 'https://a.example.com/x', 'lime.apiKey': 'v1:sealed' });
        await store.writeSettings({
          'lime.url': undefined,
          'lime.apiKey': undefined,
          'never.stored': undefined,
          'lime.createMissingContacts': false,
          'lime.internalDomains': [],
        });
        expect(await store.readSettings()).toEqual({ 'lime.createMissingContacts': false, 'lime.internalDomains': [] });
      });

      it('saved settings survive close and reopen', async () => {
        const first = await openStore();
        await first.writeSettings({ 'lime.historyType': 'dcisummary' });
        await closeStore(first);
        const reopened = await openStore();
        expect(await reopened.readSettings()).toEqual({ 'lime.historyType': 'dcisummary' });
      });
    });

    describe('contact index', () => {
      async function find(store: ReceiverStore, query: { emails?: string[]; phones?: string[] }, target = 'lime') {
        return byPerson(await store.findContactCandidates(target, { emails: [], phones: [], ...query }));
      }

      it('an incremental update adds and replaces entries, keeps the rest, and moves the high-water mark', async () => {
        const store = await openStore();
        await store.replaceContactIndex('lime', [ANNA, BO], at(0));
        expect(await store.newestContactUpdate('lime')).toBe('2026-11-19T08:30:00.000Z');
        const annaMoved = { ...ANNA, mobileE164: '+46700000002', updatedAt: '2026-11-20T09:00:00.000Z' };
        await store.updateContactIndex('lime', [annaMoved, CARL]);
        expect(await store.contactIndexState('lime')).toMatchObject({ size: 3 });
        expect(await store.findContactCandidates('lime', { emails: [], phones: ['+46701234567'] })).toEqual([]);
        expect(await store.findContactCandidates('lime', { emails: [], phones: ['+46700000002'] })).toEqual([
          annaMoved,
        ]);
        expect(await store.newestContactUpdate('lime')).toBe('2026-11-20T09:00:00.000Z');
        expect(await store.newestContactUpdate('other')).toBeUndefined();
      });

      it('reports e-mails and numbers that several persons share, a number counting as mobile or phone', async () => {
        const store = await openStore();
        const twinMail = contact(1010, { email: 'anna@customer.se' });
        const sharedAsPhone = contact('p-2', { phoneE164: '+46701234567' });
        const alone = contact(1011, { email: 'unique@customer.se', mobileE164: '+46700000001' });
        await store.replaceContactIndex('lime', [ANNA, BO, CARL, twinMail, sharedAsPhone, alone], at(0));

        const duplicates = await store.contactIndexDuplicates('lime', 10);
        expect(duplicates.map((d) => ({ ...d, personIds: [...d.personIds].map(String).sort() }))).toEqual(
          expect.arrayContaining([
            { kind: 'email', value: 'anna@customer.se', personIds: ['1001', '1010'] },
            { kind: 'phone', value: '+46701234567', personIds: ['1001', 'p-2'] },
          ]),
        );
        expect(duplicates).toHaveLength(2);
        expect(await store.contactIndexDuplicates('other', 10)).toEqual([]);
        expect(await store.contactIndexDuplicates('lime', 1)).toHaveLength(1);
      });

      it('finds entries by e-mail, mobile, phone or company main number, with every field as written', async () => {
        const store = await openStore();
        await store.replaceContactIndex('lime', [ANNA, BO, CARL], at(0));

        expect(await find(store, { emails: ['anna@customer.se'] })).toEqual([ANNA]);
        expect(await find(store, { phones: ['+46709876543'] })).toEqual([BO]);
        expect(await find(store, { phones: ['+4686001000'] })).toEqual([ANNA]);
        expect(await find(store, { phones: ['+4686000000'] })).toEqual(byPerson([ANNA, CARL]));
        expect(await find(store, { emails: ['bo@other.se'], phones: ['+46701234567'] })).toEqual(byPerson([ANNA, BO]));
      });

      it('finds nothing for empty lists or unknown values', async () => {
        const store = await openStore();
        await store.replaceContactIndex('lime', [ANNA, BO, CARL], at(0));

        expect(await find(store, {})).toEqual([]);
        expect(await find(store, { emails: ['nobody@customer.se'], phones: ['+46700000000'] })).toEqual([]);
      });

      it('a person matching on several values is found once', async () => {
        const store = await openStore();
        await store.replaceContactIndex('lime', [ANNA], at(0));

        expect(
          await find(store, { emails: ['anna@customer.se'], phones: ['+46701234567', '+4686001000', '+4686000000'] }),
        ).toEqual([ANNA]);
      });

      it('string and number ids keep their type; 123 and "123" are different persons', async () => {
        const store = await openStore();
        const entries = [
          contact(123, { email: 'x@customer.se', companyId: 9 }),
          contact('123', { email: 'x@customer.se', companyId: '9' }),
          contact('person-abc', { email: 'x@customer.se' }),
        ];
        await store.replaceContactIndex('lime', entries, at(0));

        expect(await find(store, { emails: ['x@customer.se'] })).toEqual(byPerson(entries));
        expect(await store.contactIndexState('lime')).toEqual({ size: 3, syncedAt: at(0) });
      });

      it('a second replace removes the entries it does not hold and updates the others', async () => {
        const store = await openStore();
        await store.replaceContactIndex('lime', [ANNA, BO, CARL], at(0));
        const moved = { ...ANNA, email: 'anna@new-customer.se', inactive: true };

        await store.replaceContactIndex('lime', [moved, CARL], at(HOUR));

        expect(await find(store, { emails: ['bo@other.se', 'anna@customer.se'] })).toEqual([]);
        expect(await find(store, { emails: ['anna@new-customer.se'] })).toEqual([moved]);
        expect(await find(store, { phones: ['+4686000000'] })).toEqual(byPerson([moved, CARL]));
        expect(await store.contactIndexState('lime')).toEqual({ size: 2, syncedAt: at(HOUR) });
      });

      it('a replace with no entries empties the index but records the sync', async () => {
        const store = await openStore();
        await store.replaceContactIndex('lime', [ANNA], at(0));

        await store.replaceContactIndex('lime', [], at(HOUR));

        expect(await find(store, { emails: ['anna@customer.se'] })).toEqual([]);
        expect(await store.contactIndexState('lime')).toEqual({ size: 0, syncedAt: at(HOUR) });
      });

      it('a person given twice in one replace is stored once, the last one winning', async () => {
        const store = await openStore();
        const later = { ...ANNA, mobileE164: '+46701111111' };

        await store.replaceContactIndex('lime', [ANNA, BO, later], at(0));

        expect(await find(store, { emails: ['anna@customer.se'] })).toEqual([later]);
        expect(await store.contactIndexState('lime')).toEqual({ size: 2, syncedAt: at(0) });
      });

      it('targets have separate indexes', async () => {
        const store = await openStore();
        await store.replaceContactIndex('lime', [ANNA, BO], at(0));
        await store.replaceContactIndex('other-crm', [ANNA], at(MINUTE));

        await store.replaceContactIndex('lime', [CARL], at(HOUR));

        expect(await find(store, { emails: ['anna@customer.se'] }, 'other-crm')).toEqual([ANNA]);
        expect(await find(store, { emails: ['anna@customer.se'] }, 'lime')).toEqual([]);
        expect(await find(store, { emails: ['anna@customer.se'] }, 'never-synced')).toEqual([]);
        expect(await store.contactIndexState('other-crm')).toEqual({ size: 1, syncedAt: at(MINUTE) });
        expect(await store.contactIndexState('lime')).toEqual({ size: 1, syncedAt: at(HOUR) });
      });

      it('a target never synced has an empty index and no sync time', async () => {
        const store = await openStore();

        const state = await store.contactIndexState('lime');

        expect(state.size).toBe(0);
        expect(state.syncedAt).toBeUndefined();
      });

      it('a change notification replaces a person, removes one, and gives a changed company to all its persons', async () => {
        const store = await openStore();
        const dora = contact(1004, { email: 'dora@customer.se', companyId: 2001, companyName: 'Customer AB' });
        await store.replaceContactIndex('lime', [ANNA, BO, CARL, dora], at(0));
        const annaMoved = { ...ANNA, mobileE164: '+46700000009', updatedAt: '2026-11-20T09:00:00.000Z' };

        await store.applyContactChange('lime', {
          upsert: [annaMoved],
          removePersons: ['bo-77'],
          companies: [{ companyId: 2001, companyName: 'Customer Group AB', companyMainE164: '+4686009999' }],
          removeCompanies: [],
        });

        expect(await find(store, { emails: ['bo@other.se'] })).toEqual([]);
        expect(await find(store, { phones: ['+46701234567'] })).toEqual([]);
        // The upsert is the person as the CRM holds it now: it wins over the company change for that person.
        expect(await find(store, { phones: ['+46700000009'] })).toEqual([annaMoved]);
        expect(await find(store, { phones: ['+4686009999'] })).toEqual(
          byPerson([
            { ...CARL, companyName: 'Customer Group AB', companyMainE164: '+4686009999' },
            { ...dora, companyName: 'Customer Group AB', companyMainE164: '+4686009999' },
          ]),
        );
        expect(await find(store, { phones: ['+4686000000'] })).toEqual([annaMoved]);
        expect(await store.contactIndexState('lime')).toEqual({ size: 3, syncedAt: at(0) });
      });

      it('a deleted company leaves its persons in the index without a company', async () => {
        const store = await openStore();
        await store.replaceContactIndex('lime', [ANNA, BO, CARL], at(0));

        await store.applyContactChange('lime', {
          upsert: [],
          removePersons: [],
          companies: [],
          removeCompanies: [2001],
        });

        expect(await find(store, { phones: ['+4686000000'] })).toEqual([]);
        expect(await find(store, { emails: ['anna@customer.se'] })).toEqual([
          { ...ANNA, companyId: undefined, companyName: undefined, companyMainE164: undefined },
        ]);
        expect(await find(store, { emails: ['bo@other.se'] })).toEqual([BO]);
        expect(await store.contactIndexState('lime')).toMatchObject({ size: 3 });
      });

      it('a change adds a person the index did not hold, and removing an unknown person changes nothing', async () => {
        const store = await openStore();
        await store.replaceContactIndex('lime', [ANNA], at(0));
        const eve = contact('eve-5', { email: 'eve@customer.se', companyId: 'c-9' });

        await store.applyContactChange('lime', {
          upsert: [eve],
          removePersons: [999, '1001'],
          companies: [{ companyId: '2001', companyName: 'Not the same id' }],
          removeCompanies: [],
        });

        expect(await find(store, { emails: ['eve@customer.se', 'anna@customer.se'] })).toEqual(byPerson([ANNA, eve]));
        expect(await store.contactIndexState('lime')).toMatchObject({ size: 2 });
        expect(await find(store, { emails: ['eve@customer.se'] }, 'other')).toEqual([]);
      });

      it('the index survives close and reopen', async () => {
        const first = await openStore();
        await first.replaceContactIndex('lime', [ANNA, BO], at(0));
        await closeStore(first);

        const reopened = await openStore();

        expect(await find(reopened, { phones: ['+46709876543'] })).toEqual([BO]);
        expect(await reopened.contactIndexState('lime')).toEqual({ size: 2, syncedAt: at(0) });
      });

      it('replaces 5,000 entries and looks them up with long lists', async () => {
        const store = await openStore();
        const entries = Array.from({ length: 5000 }, (_, index) =>
          contact(index % 2 === 0 ? index : `p-${index}`, {
            email: `person${index}@customer.se`,
            mobileE164: `+4670${String(index).padStart(7, '0')}`,
            companyId: Math.floor(index / 10),
            companyMainE164: `+468${String(Math.floor(index / 10)).padStart(7, '0')}`,
          }),
        );

        await store.replaceContactIndex('lime', entries, at(0));

        expect(await store.contactIndexState('lime')).toEqual({ size: 5000, syncedAt: at(0) });
        expect(await find(store, { emails: ['person4321@customer.se'] })).toEqual([entries[4321]]);
        expect(await find(store, { phones: ['+4680000123'] })).toHaveLength(10);
        // Longer lists than a statement takes parameters in SQLite's and PostgreSQL's defaults.
        const emails = Array.from({ length: 40_000 }, (_, index) => `person${index}@customer.se`);
        const phones = Array.from({ length: 70_000 }, (_, index) => `+4670${String(index).padStart(7, '0')}`);
        expect(await store.findContactCandidates('lime', { emails, phones })).toHaveLength(5000);
      });
    });

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
        expect(
          await store.purgeDeliveredPayloads({ deliveredBefore: at(40 * DAY + SECOND), now: at(70 * DAY) }),
        ).toEqual({ deliveries: 1, payloads: 1 });
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
        return store.completeDelivery({
          deliveryId: claimed.deliveryId,
          workerId,
          version: claimed.version,
          attempt: attemptOf(claimed, now),
          outcomes: WRITTEN,
          enrichment,
          now,
        });
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

        expect(await store.listPartiallyEnriched({ target: 'lime', before: at(5 * MINUTE), limit: 10 })).toEqual([
          other,
        ]);
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

    describe('job leases', () => {
      const lease = (holder: string, now: Date, name = 'dci-poller') => ({ name, holder, now, leaseMs: MINUTE });

      it('a job that never ran has no state', async () => {
        const store = await openStore();

        expect(await store.readJobState('dci-poller')).toBeUndefined();
      });

      it('a held lease is refused to another holder until it expires, then taken over', async () => {
        const store = await openStore();

        expect(await store.takeLease(lease('replica-a', at(0)))).toBe(true);
        expect(await store.takeLease(lease('replica-b', at(MINUTE - 1)))).toBe(false);
        expect(await store.takeLease(lease('replica-b', at(MINUTE)))).toBe(true);
        expect(await store.takeLease(lease('replica-a', at(MINUTE + 1)))).toBe(false);
        expect(await store.readJobState('dci-poller')).toMatchObject({
          holder: 'replica-b',
          heldUntil: at(2 * MINUTE),
        });
      });

      it('the holder renews its lease, and each name is a lease of its own', async () => {
        const store = await openStore();
        await store.takeLease(lease('replica-a', at(0)));

        expect(await store.takeLease(lease('replica-a', at(30 * SECOND)))).toBe(true);

        expect(await store.takeLease(lease('replica-b', at(MINUTE)))).toBe(false);
        expect(await store.readJobState('dci-poller')).toMatchObject({
          holder: 'replica-a',
          heldUntil: at(90 * SECOND),
        });
        expect(await store.takeLease(lease('replica-b', at(MINUTE), 'backfill'))).toBe(true);
      });

      it('a released lease is free at once; only its holder can release it', async () => {
        const store = await openStore();
        await store.takeLease(lease('replica-a', at(0)));

        await store.releaseLease({ name: 'dci-poller', holder: 'replica-b' });
        expect(await store.takeLease(lease('replica-b', at(SECOND)))).toBe(false);

        await store.releaseLease({ name: 'dci-poller', holder: 'replica-a' });
        expect(await store.takeLease(lease('replica-b', at(SECOND)))).toBe(true);
        await store.releaseLease({ name: 'never-taken', holder: 'replica-a' });
        expect(await store.readJobState('never-taken')).toBeUndefined();
      });

      it('job state is saved only while its holder holds an unexpired lease', async () => {
        const store = await openStore();
        await store.takeLease(lease('replica-a', at(0)));
        expect(await store.readJobState('dci-poller')).toMatchObject({ holder: 'replica-a', state: undefined });
        const saved = { cursor: '2026-11-20T09:00:00.000Z', seen: ['c-1', 'c-2'], pages: 3 };

        expect(
          await store.writeJobState({ name: 'dci-poller', holder: 'replica-a', state: saved, now: at(SECOND) }),
        ).toBe(true);
        expect(await store.writeJobState({ name: 'dci-poller', holder: 'replica-b', state: {}, now: at(SECOND) })).toBe(
          false,
        );
        expect(await store.writeJobState({ name: 'dci-poller', holder: 'replica-a', state: {}, now: at(MINUTE) })).toBe(
          false,
        );
        expect(await store.writeJobState({ name: 'other-job', holder: 'replica-a', state: {}, now: at(SECOND) })).toBe(
          false,
        );

        expect(await store.readJobState('dci-poller')).toEqual({
          holder: 'replica-a',
          heldUntil: at(MINUTE),
          state: saved,
          updatedAt: at(SECOND),
        });
        await store.takeLease(lease('replica-b', at(MINUTE)));
        expect(await store.writeJobState({ name: 'dci-poller', holder: 'replica-a', state: {}, now: at(MINUTE) })).toBe(
          false,
        );
        expect(
          await store.writeJobState({ name: 'dci-poller', holder: 'replica-b', state: 'text', now: at(MINUTE) }),
        ).toBe(true);
        expect(await store.readJobState('dci-poller')).toMatchObject({ holder: 'replica-b', state: 'text' });
      });

      it('of replicas on one database taking a free lease at once, exactly one gets it', async () => {
        const stores = [await openStore(), await openStore()];

        const taken = await Promise.all(
          Array.from({ length: 8 }, (_, i) => stores[i % 2]!.takeLease(lease(`replica-${i}`, at(0)))),
        );

        expect(taken.filter(Boolean)).toHaveLength(1);
        const holder = `replica-${taken.indexOf(true)}`;
        expect(await stores[1]!.readJobState('dci-poller')).toMatchObject({ holder });
        expect(await stores[0]!.takeLease(lease('late-replica', at(SECOND)))).toBe(false);
      });
    });

    describe('rate buckets', () => {
      // 60 a minute: 6 at once, then one every 60 000 / 54 ms, so no sliding minute ever holds more than 60.
      const PER_TOKEN = Math.ceil(MINUTE / 54);
      const take = (store: ReceiverStore, now: Date, perMinute = 60, key = 'dci-api') =>
        store.takeRateToken({ key, now, perMinute });

      it('a new bucket gives a tenth of its minute at once, then waits as long as one token takes to refill', async () => {
        const store = await openStore();

        for (let i = 0; i < 6; i += 1) expect(await take(store, at(0))).toBe(0);

        expect(await take(store, at(0))).toBe(PER_TOKEN);
        expect(await take(store, at(500))).toBe(PER_TOKEN - 500);
        expect(await take(store, at(PER_TOKEN))).toBe(0);
      });

      it('a caller that takes whenever it may never gets more than the limit into any minute, and nearly all of it', async () => {
        const store = await openStore();
        const taken: number[] = [];
        for (let t = 0; t < 3 * MINUTE;) {
          const wait = await take(store, at(t));
          if (wait === 0) taken.push(t);
          else t += wait;
        }

        const mostInAMinute = Math.max(
          ...taken.map((start) => taken.filter((t) => t >= start && t < start + MINUTE).length),
        );
        expect(mostInAMinute).toBeLessThanOrEqual(60);
        expect(mostInAMinute).toBeGreaterThanOrEqual(58);
      });

      it('a wait is rounded up to whole milliseconds', async () => {
        const store = await openStore();
        await take(store, at(0), 7);

        const wait = await take(store, at(0), 7);

        expect(wait).toBe(Math.ceil(MINUTE / 6));
        expect(await take(store, at(wait), 7)).toBe(0);
      });

      it('the bucket refills with the clock, never beyond its capacity', async () => {
        const store = await openStore();
        for (let i = 0; i < 6; i += 1) await take(store, at(0));

        for (let i = 0; i < 6; i += 1) expect(await take(store, at(30 * SECOND))).toBe(0);
        expect(await take(store, at(30 * SECOND))).toBe(PER_TOKEN);

        for (let i = 0; i < 6; i += 1) expect(await take(store, at(HOUR))).toBe(0);
        expect(await take(store, at(HOUR))).toBe(PER_TOKEN);
      });

      it('a pause wins over the tokens left; a later pause wins, an earlier one changes nothing', async () => {
        const store = await openStore();
        expect(await take(store, at(0))).toBe(0);

        await store.pauseRateBucket({ key: 'dci-api', until: at(MINUTE) });
        expect(await take(store, at(0))).toBe(MINUTE);
        await store.pauseRateBucket({ key: 'dci-api', until: at(30 * SECOND) });
        expect(await take(store, at(20 * SECOND))).toBe(40 * SECOND);
        await store.pauseRateBucket({ key: 'dci-api', until: at(2 * MINUTE) });
        expect(await take(store, at(MINUTE))).toBe(MINUTE);

        for (let i = 0; i < 6; i += 1) expect(await take(store, at(2 * MINUTE))).toBe(0);
        expect(await take(store, at(2 * MINUTE))).toBe(PER_TOKEN);
      });

      it('a pause creates a full bucket when there was none', async () => {
        const store = await openStore();
        await store.pauseRateBucket({ key: 'new-key', until: at(MINUTE) });

        expect(await take(store, at(0), 60, 'new-key')).toBe(MINUTE);
        for (let i = 0; i < 6; i += 1) expect(await take(store, at(MINUTE), 60, 'new-key')).toBe(0);
        expect(await take(store, at(MINUTE), 60, 'new-key')).toBe(PER_TOKEN);
      });

      it('each key is a bucket of its own', async () => {
        const store = await openStore();
        for (let i = 0; i < 6; i += 1) await take(store, at(0), 60, 'dci-api');

        expect(await take(store, at(0), 60, 'dci-api')).toBe(PER_TOKEN);
        expect(await take(store, at(0), 60, 'lime-api')).toBe(0);
      });

      it('two stores on one database share one bucket', async () => {
        const stores = [await openStore(), await openStore()];

        const waits = await Promise.all(Array.from({ length: 20 }, (_, i) => take(stores[i % 2]!, at(0), 100)));

        expect(waits.filter((wait) => wait === 0)).toHaveLength(10);
        expect(await take(stores[0]!, at(0), 100)).toBe(Math.ceil(MINUTE / 90));
        expect(await take(stores[1]!, at(Math.ceil(MINUTE / 90)), 100)).toBe(0);
      });
    });

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
  });
}
