import { randomUUID } from 'node:crypto';
import type { ContactIndexEntry, ParticipantOutcome } from '../../../src/crm/crmConnector';
import type {
  AcceptedSummary,
  AttemptRecord,
  ClaimedDelivery,
  FinishedAttempt,
  ReceiverStore,
} from '../../../src/receiver/store/receiverStore';

// What every port's contract suite builds on: fixed times, builders for summaries, attempts and contact index
// entries, and the queue's steps as the suites take them.

/** The stores a suite opens: `openStore` opens the test's database again; the suite closes what it opened. */
export interface ContractStores {
  openStore(): Promise<ReceiverStore>;
  closeStore(store: ReceiverStore): Promise<void>;
}

export const T0 = Date.parse('2026-11-20T10:00:00.000Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const LEASE_MS = 5 * MINUTE;

/** The instant `ms` after the suite's fixed start time. */
export function at(ms: number): Date {
  return new Date(T0 + ms);
}

/** The payload's own timestamp, `ms` after the start time. */
export function timestamp(ms: number): string {
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
export function resend(
  original: AcceptedSummary,
  laterMs: number,
  fields: Partial<AcceptedSummary> = {},
): AcceptedSummary {
  return acceptedSummary({
    conversationId: original.conversationId,
    target: original.target,
    receivedAt: new Date(original.receivedAt.getTime() + laterMs),
    eventTimestamp: timestamp(Date.parse(original.eventTimestamp ?? timestamp(0)) - T0 + laterMs),
    ...fields,
  });
}

export function attemptOf(
  claimed: ClaimedDelivery,
  startedAt: Date,
  fields: Partial<AttemptRecord> = {},
): AttemptRecord {
  return { attempt: claimed.attempt, startedAt, durationMs: 840, outcome: 'delivered', apiCalls: 4, ...fields };
}

export const SERVER_ERROR: Partial<AttemptRecord> = {
  outcome: 'retry',
  errorCode: 'server_error',
  errorMessage: 'Lime answered 503',
  crmStatus: 503,
};
export const UNAUTHORIZED: Partial<AttemptRecord> = {
  outcome: 'dead',
  errorCode: 'unauthorized',
  errorMessage: 'Lime refused the API key',
  crmStatus: 401,
};

export const WRITTEN: ParticipantOutcome[] = [
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
export function contact(
  personId: ContactIndexEntry['personId'],
  fields: Partial<ContactIndexEntry> = {},
): ContactIndexEntry {
  return { personId, inactive: false, ...fields };
}

export const ANNA = contact(1001, {
  email: 'anna@customer.se',
  mobileE164: '+46701234567',
  phoneE164: '+4686001000',
  companyId: 2001,
  companyName: 'Customer AB',
  companyMainE164: '+4686000000',
  updatedAt: '2026-11-19T08:30:00.000Z',
});
export const BO = contact('bo-77', {
  email: 'bo@other.se',
  mobileE164: '+46709876543',
  companyId: 'company-x',
  companyName: 'Other AB',
  inactive: true,
});
export const CARL = contact(1003, { companyId: 2001, companyName: 'Customer AB', companyMainE164: '+4686000000' });

/** Compares found entries whatever their order. */
export function byPerson(entries: readonly ContactIndexEntry[]): ContactIndexEntry[] {
  return [...entries].sort((a, b) => JSON.stringify(a.personId).localeCompare(JSON.stringify(b.personId)));
}

export async function claim(store: ReceiverStore, now: Date, workerId = 'worker-a', limit = 10) {
  return store.claimDue({ workerId, now, limit, leaseMs: LEASE_MS });
}

/** Claims and expects exactly one delivery. */
export async function claimOne(store: ReceiverStore, now: Date, workerId = 'worker-a'): Promise<ClaimedDelivery> {
  const claimed = await claim(store, now, workerId);
  expect(claimed).toHaveLength(1);
  return claimed[0] as ClaimedDelivery;
}

/** The claimed attempt, ended at `now` by `workerId`, as the queue's endings take it. */
export function finished(
  claimed: ClaimedDelivery,
  now: Date,
  workerId: string,
  fields: Partial<AttemptRecord> = {},
): FinishedAttempt {
  return {
    deliveryId: claimed.deliveryId,
    workerId,
    version: claimed.version,
    attempt: attemptOf(claimed, now, fields),
    now,
  };
}

export async function complete(
  store: ReceiverStore,
  claimed: ClaimedDelivery,
  now: Date,
  outcomes: ParticipantOutcome[] = WRITTEN,
  workerId = 'worker-a',
) {
  return store.completeDelivery({ ...finished(claimed, now, workerId), outcomes });
}

export async function retry(
  store: ReceiverStore,
  claimed: ClaimedDelivery,
  now: Date,
  nextAttemptAt: Date,
  workerId = 'worker-a',
) {
  return store.retryDelivery({ ...finished(claimed, now, workerId, SERVER_ERROR), nextAttemptAt });
}

export async function deadLetter(store: ReceiverStore, claimed: ClaimedDelivery, now: Date, workerId = 'worker-a') {
  return store.deadLetterDelivery(finished(claimed, now, workerId, UNAUTHORIZED));
}

export async function detail(store: ReceiverStore, deliveryId: string) {
  const found = await store.getDelivery(deliveryId);
  if (found === undefined) throw new Error(`delivery ${deliveryId} not found`);
  return found;
}

export async function queue(store: ReceiverStore, accepted: AcceptedSummary): Promise<string> {
  const result = await store.acceptSummary(accepted);
  if (result.kind !== 'queued') throw new Error(`expected queued, got ${result.kind}`);
  return result.deliveryId;
}

/** SuperOffice (CRM=superoffice): a delivery's target, and what its attempts and outcomes look like. */
export const SUPEROFFICE = 'superoffice';

/** SuperOffice asked us to slow down (429 with Retry-After): the classifier's message, the status. */
export const SO_RATE_LIMITED: Partial<AttemptRecord> = {
  outcome: 'retry',
  errorCode: 'rate_limited',
  errorMessage: 'SuperOffice asked us to slow down (429) on POST Agents/Archive/GetArchiveListByColumns2',
  crmStatus: 429,
  apiCalls: 2,
};

/** SuperOffice Online called on its unnumbered host: 421, dead until the URL is fixed and the delivery requeued. */
export const SO_WRONG_HOST: Partial<AttemptRecord> = {
  outcome: 'dead',
  errorCode: 'wrong_host',
  errorMessage:
    "SuperOffice says the tenant is not served from online.superoffice.com (use the tenant's numbered host, e.g. online3.superoffice.com) (421) on POST Agents/Appointment/GetTaskListItems.",
  crmStatus: 421,
  apiCalls: 1,
};

/**
 * Two appointments written in SuperOffice: its person, company (contact) and appointment ids are integers, in the
 * emulator's ranges (persons 201…, contacts 101…, appointments 301…); the presenter is a colleague.
 */
export const SO_WRITTEN: ParticipantOutcome[] = [
  {
    participantIndex: 0,
    outcome: 'written',
    matchedBy: 'email',
    personId: 203,
    companyId: 101,
    noteId: 301,
    trace: 'email → person 203',
  },
  {
    participantIndex: 1,
    outcome: 'written',
    matchedBy: 'phone',
    personId: 206,
    companyId: 102,
    noteId: 302,
    trace: 'phone → person 206',
  },
  { participantIndex: 2, outcome: 'internal', trace: 'colleague: seller.se' },
];
