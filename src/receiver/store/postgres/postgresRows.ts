import { z } from 'zod';
import type { ParticipantOutcome } from '../../../core';
import type { ContactIndexEntry } from '../../../crm/contactIndexRecords';
import type { AttemptRecord, DeliveryStatus } from '../ports/deliveryQueue';
import { foldName } from '../foldName';
import { crmIdJson, storedRowReaders, type DueDelivery } from '../storedRowReaders';
import { STATUSES } from '../storedValues';

// Rows come out of node-postgres as `unknown`: these schemas turn them into the store's types (NULL becomes an absent
// field; timestamptz arrives as a Date, integer as a number, bytea as a Buffer, jsonb parsed), and the `…Params`
// functions turn the store's types into bind parameters, in the order of the column lists. Rows both dialects read
// alike are in storedRowReaders.ts.

const date = z.date();
const optionalDate = date.nullable().transform((value) => value ?? undefined);
const crmId = z.union([z.number(), z.string()]);
const optionalCrmId = crmId.nullable().transform((id) => id ?? undefined);

const settingRecord = z.object({ key: z.string(), value: z.unknown() });
/** A saved setting; its value is the jsonb, parsed. */
export function toSettingRow(row: unknown): { key: string; value: unknown } {
  return settingRecord.parse(row);
}

const heldDeliveryRecord = z.object({ id: z.string(), status: z.enum(STATUSES), event_id: z.string() });
/** The conversation's delivery as `acceptSummary` locks it. */
export function toHeldDelivery(row: unknown): { id: string; status: DeliveryStatus; eventId: string } {
  const r = heldDeliveryRecord.parse(row);
  return { id: r.id, status: r.status, eventId: r.event_id };
}

const eventTimestampRecord = z.object({ event_timestamp: optionalDate });
export function toEventTimestamp(row: unknown): Date | undefined {
  return eventTimestampRecord.parse(row).event_timestamp;
}

const leaseRecord = z.object({ lease_expired: z.boolean() });

/** A due delivery as the claim locks it, before the attempt is counted (its body is read after). */
export function toLockedDelivery(row: unknown): DueDelivery & { leaseExpired: boolean } {
  return { ...readers.toDueDelivery(row), leaseExpired: leaseRecord.parse(row).lease_expired };
}

/** Parameters for `delivery_id, version, ATTEMPT_COLUMNS`, in that order ($1…$10). */
export function attemptParams(deliveryId: string, version: number, attempt: AttemptRecord): unknown[] {
  return [
    deliveryId,
    version,
    attempt.attempt,
    attempt.startedAt,
    // performance.now() differences are fractional; the audit trail keeps whole milliseconds.
    Math.round(attempt.durationMs),
    attempt.outcome,
    attempt.errorCode ?? null,
    attempt.errorMessage ?? null,
    attempt.crmStatus ?? null,
    attempt.apiCalls ?? null,
  ];
}

/** Parameters for `delivery_id, OUTCOME_COLUMNS`, in that order ($1…$10). */
export function outcomeParams(deliveryId: string, outcome: ParticipantOutcome): unknown[] {
  return [
    deliveryId,
    outcome.participantIndex,
    outcome.outcome,
    outcome.matchedBy ?? null,
    outcome.created?.company ?? null,
    outcome.created?.person ?? null,
    crmIdJson(outcome.personId),
    crmIdJson(outcome.companyId),
    crmIdJson(outcome.noteId),
    outcome.trace,
  ];
}

/**
 * Entries as one array per column of `CONTACT_COLUMNS`, in that order, then `name_folded`, for `INSERT … SELECT … FROM unnest(…)`: one
 * statement with eleven parameters however many rows (CRM ids as JSON text, cast to jsonb in the statement).
 */
export function contactColumnParams(entries: readonly ContactIndexEntry[]): unknown[][] {
  return [
    entries.map((entry) => JSON.stringify(entry.personId)),
    entries.map((entry) => entry.email ?? null),
    entries.map((entry) => entry.mobileE164 ?? null),
    entries.map((entry) => entry.phoneE164 ?? null),
    entries.map((entry) => crmIdJson(entry.companyId)),
    entries.map((entry) => entry.companyName ?? null),
    entries.map((entry) => entry.companyMainE164 ?? null),
    entries.map((entry) => entry.inactive),
    entries.map((entry) => entry.updatedAt ?? null),
    entries.map((entry) => entry.personName ?? null),
    entries.map((entry) => (entry.personName === undefined ? null : foldName(entry.personName))),
  ];
}

/** PostgreSQL's columns: timestamptz as Date, boolean, CRM ids and other JSON as parsed jsonb. */
const readers = storedRowReaders({
  date,
  optionalDate,
  bool: z.boolean(),
  optionalBool: z
    .boolean()
    .nullable()
    .transform((value) => value ?? undefined),
  crmId,
  optionalCrmId,
  /** A nullable jsonb column, as node-postgres parsed it; NULL is undefined. */
  optionalJson: z.unknown().transform((value): unknown => value ?? undefined),
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
