import { randomUUID } from 'node:crypto';
import type { ParticipantOutcome } from '../../src/core';
import type { ReceiverStore } from '../../src/receiver/store/receiverStore';

// Deliveries settled in the past, written through the store's own queue steps (accept, claim, complete or
// dead-letter) with the times given: history for the overview's pictures, without waiting days for it.

export type SeededOutcome = 'delivered' | 'company_only' | 'no_match' | 'dead';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const OUTCOMES: Record<Exclude<SeededOutcome, 'dead'>, ParticipantOutcome[]> = {
  delivered: [
    { participantIndex: 0, outcome: 'written', matchedBy: 'email', personId: 1, companyId: 2, noteId: 3, trace: 't' },
    { participantIndex: 1, outcome: 'internal', trace: 'internal' },
  ],
  company_only: [
    { participantIndex: 0, outcome: 'ambiguous', matchedBy: 'phone', companyId: 2, trace: 'main number' },
    { participantIndex: 1, outcome: 'internal', trace: 'internal' },
  ],
  no_match: [{ participantIndex: 0, outcome: 'no_match', trace: 'no match' }],
};

/** One delivery received at `receivedAt` and settled `tookMs` later as `outcome` (participants as given). */
export async function seedSettledDelivery(
  store: ReceiverStore,
  delivery: { receivedAt: Date; tookMs: number; outcome: SeededOutcome; participants?: ParticipantOutcome[] },
): Promise<string> {
  const accepted = await store.acceptSummary({
    deliveryKey: randomUUID(),
    scheme: 'dci',
    receivedAt: delivery.receivedAt,
    rawBody: Buffer.from('{"event":"conversation.completed"}'),
    conversationId: randomUUID(),
    title: 'Seeded meeting',
    target: 'lime',
  });
  if (accepted.kind !== 'queued') throw new Error(`seeding: expected queued, got ${accepted.kind}`);
  const [claimed] = await store.claimDue({ workerId: 'seed', now: delivery.receivedAt, limit: 1, leaseMs: DAY });
  if (claimed?.deliveryId !== accepted.deliveryId) throw new Error('seeding: another delivery was due');
  const now = new Date(delivery.receivedAt.getTime() + delivery.tookMs);
  const base = { deliveryId: claimed.deliveryId, workerId: 'seed', version: claimed.version, now };
  const attempt = { attempt: 1, startedAt: delivery.receivedAt, durationMs: delivery.tookMs };
  if (delivery.outcome === 'dead') {
    await store.deadLetterDelivery({
      ...base,
      attempt: { ...attempt, outcome: 'dead', errorCode: 'bad_request', errorMessage: 'Lime answered 400' },
    });
  } else {
    await store.completeDelivery({
      ...base,
      attempt: { ...attempt, outcome: 'delivered' },
      outcomes: delivery.participants ?? OUTCOMES[delivery.outcome],
    });
  }
  return claimed.deliveryId;
}

/** A small deterministic generator (mulberry32): the same history on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `days` days of working-day traffic ending at `now`, about `perDay` meetings a weekday, mostly delivered within
 * seconds, some after minutes of retries, a few dead; one day with a Lime outage (hours to note).
 */
export async function seedDeliveryHistory(
  store: ReceiverStore,
  options: { now: Date; days: number; perDay: number; seed?: number },
): Promise<number> {
  const next = random(options.seed ?? 17);
  const participants: ParticipantOutcome[][] = [
    OUTCOMES.delivered,
    [
      { participantIndex: 0, outcome: 'written', matchedBy: 'mobile', personId: 4, companyId: 2, trace: 't' },
      { participantIndex: 1, outcome: 'same_person', matchedBy: 'email', personId: 4, companyId: 2, trace: 't' },
    ],
    [
      { participantIndex: 0, outcome: 'updated', matchedBy: 'phone', personId: 5, companyId: 2, trace: 't' },
      { participantIndex: 1, outcome: 'ambiguous', matchedBy: 'email', trace: 'two persons' },
      { participantIndex: 2, outcome: 'not_matchable', trace: 'no e-mail or phone' },
    ],
    [
      { participantIndex: 0, outcome: 'written', matchedBy: 'created', personId: 6, companyId: 7, trace: 't' },
      { participantIndex: 1, outcome: 'internal', trace: 'internal' },
    ],
  ];
  let seeded = 0;
  for (let day = options.days - 1; day >= 0; day -= 1) {
    const dayStart = options.now.getTime() - day * DAY - 10 * 60 * MINUTE;
    const weekday = new Date(dayStart).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    const count = Math.round(options.perDay * (weekend ? 0.15 : 0.7 + next() * 0.6));
    const outage = day === Math.floor(options.days / 3);
    for (let index = 0; index < count; index += 1) {
      const receivedAt = new Date(Math.min(options.now.getTime() - MINUTE, dayStart + next() * 9 * 60 * MINUTE));
      const roll = next();
      const outcome: SeededOutcome =
        roll < 0.04 ? 'dead' : roll < 0.09 ? 'company_only' : roll < 0.18 ? 'no_match' : 'delivered';
      const slow = next();
      const tookMs = outage
        ? 30 * MINUTE + next() * 150 * MINUTE
        : slow < 0.85
          ? 2000 + next() * 20_000
          : slow < 0.97
            ? MINUTE + next() * 9 * MINUTE
            : 20 * MINUTE + next() * 40 * MINUTE;
      await seedSettledDelivery(store, {
        receivedAt,
        tookMs,
        outcome,
        ...(outcome === 'delivered'
          ? { participants: participants[Math.floor(next() * participants.length)] ?? OUTCOMES.delivered }
          : {}),
      });
      seeded += 1;
    }
  }
  return seeded;
}
