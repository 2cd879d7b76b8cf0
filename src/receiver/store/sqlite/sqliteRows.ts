import { z } from 'zod';
import type { ParticipantOutcome } from '../../../core';
import type { ContactIndexEntry } from '../../../crm/contactIndexRecords';
import type { AttemptRecord, ClaimedDelivery, DeliveryStatus } from '../ports/deliveryQueue';
import { foldName } from '../foldName';
import { crmIdJson, integer, optionalInteger, storedRowReaders } from '../storedRowReaders';
import { STATUSES } from '../storedValues';

// Rows come out of SQLite as `unknown`: these schemas turn them into the store's types (NULL becomes an absent
// field, epoch milliseconds a Date), and the `…Params` functions turn the store's types into bind parameters. Rows
// both dialects read alike are in storedRowReaders.ts.

const date = integer.transform((ms) => new Date(ms));
const optionalDate = integer.nullable().transform((ms) => (ms === null ? undefined : new Date(ms)));
const flag = z.union([z.literal(0), z.literal(1)]).nullable();
/** A CRM id is stored as JSON, so a numeric id comes back as a number and a text id as text. */
const crmId = z
  .string()
  .transform((json): unknown => JSON.parse(json))
  .pipe(z.union([z.number(), z.string()]));
const optionalCrmId = crmId.nullable().transform((id) => id ?? undefined);

const settingRecord = z.object({ key: z.string(), value: z.string() });
/** A saved setting; its value is JSON text. */
export function toSettingRow(row: unknown): { key: string; value: string } {
  return settingRecord.parse(row);
}

const heldDeliveryRecord = z.object({ id: z.string(), status: z.enum(STATUSES), event_timestamp: optionalInteger });

/** The conversation's delivery as `acceptSummary` needs it: its status and the timestamp of the payload it holds. */
export function toHeldDelivery(row: unknown): { id: string; status: DeliveryStatus; eventTimestamp?: number } {
  const r = heldDeliveryRecord.parse(row);
  return r.event_timestamp === undefined
    ? { id: r.id, status: r.status }
    : { id: r.id, status: r.status, eventTimestamp: r.event_timestamp };
}

const claimBodyRecord = z.object({ raw_body: z.instanceof(Buffer) });

/** A due delivery joined with its event's body, before the claim counts the attempt. */
export function toClaimedDelivery(row: unknown): ClaimedDelivery {
  return { ...readers.toDueDelivery(row), rawBody: claimBodyRecord.parse(row).raw_body };
}

export function attemptParams(deliveryId: string, version: number, attempt: AttemptRecord) {
  return {
    deliveryId,
    version,
    attempt: attempt.attempt,
    startedAt: attempt.startedAt.getTime(),
    // performance.now() differences are fractional; the audit trail keeps whole milliseconds.
    durationMs: Math.round(attempt.durationMs),
    outcome: attempt.outcome,
    errorCode: attempt.errorCode ?? null,
    errorMessage: attempt.errorMessage ?? null,
    crmStatus: attempt.crmStatus ?? null,
    apiCalls: attempt.apiCalls ?? null,
  };
}

export function outcomeParams(deliveryId: string, outcome: ParticipantOutcome) {
  return {
    deliveryId,
    participantIndex: outcome.participantIndex,
    outcome: outcome.outcome,
    matchedBy: outcome.matchedBy ?? null,
    createdCompany: outcome.created === undefined ? null : Number(outcome.created.company),
    createdPerson: outcome.created === undefined ? null : Number(outcome.created.person),
    personId: crmIdJson(outcome.personId),
    companyId: crmIdJson(outcome.companyId),
    noteId: crmIdJson(outcome.noteId),
    trace: outcome.trace,
  };
}

export function contactParams(target: string, entry: ContactIndexEntry) {
  return {
    target,
    personId: JSON.stringify(entry.personId),
    email: entry.email ?? null,
    mobileE164: entry.mobileE164 ?? null,
    phoneE164: entry.phoneE164 ?? null,
    companyId: crmIdJson(entry.companyId),
    companyName: entry.companyName ?? null,
    companyMainE164: entry.companyMainE164 ?? null,
    inactive: Number(entry.inactive),
    updatedAt: entry.updatedAt ?? null,
    personName: entry.personName ?? null,
    nameFolded: entry.personName === undefined ? null : foldName(entry.personName),
  };
}

/** SQLite's columns: dates as epoch ms, booleans as 0/1, CRM ids and other JSON as text. */
const readers = storedRowReaders({
  date,
  optionalDate,
  bool: z.union([z.literal(0), z.literal(1)]).transform((flag) => flag === 1),
  optionalBool: flag.transform((value) => (value === null ? undefined : value === 1)),
  crmId,
  optionalCrmId,
  /** A JSON text column, parsed; NULL, or text that is not JSON, is undefined. */
  optionalJson: z.unknown().transform((text): unknown => {
    if (typeof text !== 'string') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }),
});
export const {
  toDeliveryRow,
  toAttemptRecord,
  toParticipantOutcome,
  toContactIndexEntry,
  toContactIndexState,
  toOldest,
  toJobState,
  toRateBucket,
} = readers;
