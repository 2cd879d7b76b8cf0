import { z } from 'zod';
import type { CrmId } from '../../core';
import type { ContactIndexEntry, ParticipantOutcome } from '../../crm/crmConnector';
import type { AttemptRecord, DeliveryStatus, JobState } from './receiverStore';
import type { RateBucketRow } from './rateBucket';
import { integer, optionalText, storedRowReaders } from './storedRowReaders';
import { STATUSES } from './storedValues';

// Rows come out of node-postgres as `unknown`: these schemas turn them into the store's types (NULL becomes an absent
// field; timestamptz arrives as a Date, integer as a number, bytea as a Buffer, jsonb parsed), and the `…Params`
// functions turn the store's types into bind parameters, in the order of the column lists.

const date = z.date();
const optionalDate = date.nullable().transform((value) => value ?? undefined);
const crmId = z.union([z.number(), z.string()]);
const optionalCrmId = crmId.nullable().transform((id) => id ?? undefined);

/** A CRM id as a jsonb parameter: 123 stays a number, "abc" a string. */
function crmIdParam(id: CrmId | undefined): string | null {
  return id === undefined ? null : JSON.stringify(id);
}

const idRecord = z.object({ id: z.string() });
export function toId(row: unknown): string {
  return idRecord.parse(row).id;
}

const eventRefRecord = z.object({ event_id: z.string() });
export function toEventRef(row: unknown): string {
  return eventRefRecord.parse(row).event_id;
}

const versionRecord = z.object({ version: integer });
export function toVersion(row: unknown): number {
  return versionRecord.parse(row).version;
}

const statusRecord = z.object({ status: z.enum(STATUSES) });
export function toStatus(row: unknown): DeliveryStatus {
  return statusRecord.parse(row).status;
}

/** `count` is selected as `COUNT(*)::integer` (a bigint would arrive as text). */
const statusCountRecord = z.object({ status: z.enum(STATUSES), count: integer });
export function toStatusCount(row: unknown): { status: DeliveryStatus; count: number } {
  return statusCountRecord.parse(row);
}

const oldestRecord = z.object({ oldest: optionalDate });
export function toOldest(row: unknown): Date | undefined {
  return oldestRecord.parse(row).oldest;
}

const bodyRecord = z.object({ raw_body: z.instanceof(Buffer).nullable() });
/** An event's raw body; ignored events have none. */
export function toEventBody(row: unknown): Buffer | undefined {
  return bodyRecord.parse(row).raw_body ?? undefined;
}

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

const dueRecord = z.object({
  id: z.string(),
  conversation_id: z.string(),
  target: z.string(),
  event_id: z.string(),
  version: integer,
  attempts: integer,
  open_since: date,
  lease_expired: z.boolean(),
});

/** A due delivery as the claim locks it, before the attempt is counted (its body is read after). */
export function toDueDelivery(row: unknown) {
  const r = dueRecord.parse(row);
  return {
    deliveryId: r.id,
    conversationId: r.conversation_id,
    target: r.target,
    eventId: r.event_id,
    version: r.version,
    attempt: r.attempts + 1,
    firstReceivedAt: r.open_since,
    leaseExpired: r.lease_expired,
  };
}

const eventBodyRecord = z.object({ id: z.string(), raw_body: z.instanceof(Buffer) });
export function toEventWithBody(row: unknown): { id: string; rawBody: Buffer } {
  const r = eventBodyRecord.parse(row);
  return { id: r.id, rawBody: r.raw_body };
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
    crmIdParam(outcome.personId),
    crmIdParam(outcome.companyId),
    crmIdParam(outcome.noteId),
    outcome.trace,
  ];
}

/**
 * Entries as one array per column of `CONTACT_COLUMNS`, in that order, for `INSERT … SELECT … FROM unnest(…)`: one
 * statement with nine parameters however many rows (CRM ids as JSON text, cast to jsonb in the statement).
 */
export function contactColumnParams(entries: readonly ContactIndexEntry[]): unknown[][] {
  return [
    entries.map((entry) => JSON.stringify(entry.personId)),
    entries.map((entry) => entry.email ?? null),
    entries.map((entry) => entry.mobileE164 ?? null),
    entries.map((entry) => entry.phoneE164 ?? null),
    entries.map((entry) => crmIdParam(entry.companyId)),
    entries.map((entry) => entry.companyName ?? null),
    entries.map((entry) => entry.companyMainE164 ?? null),
    entries.map((entry) => entry.inactive),
    entries.map((entry) => entry.updatedAt ?? null),
  ];
}

/** A nullable jsonb column, as node-postgres parsed it; NULL is undefined. */
const optionalJson = z.unknown().transform((value): unknown => value ?? undefined);

const jobRecord = z.object({
  holder: optionalText,
  held_until: optionalDate,
  state: optionalJson,
  updated_at: optionalDate,
});
/** A `jobs` row (`holder, held_until, state, updated_at`). */
export function toJobState(row: unknown): JobState {
  const r = jobRecord.parse(row);
  return { holder: r.holder, heldUntil: r.held_until, state: r.state, updatedAt: r.updated_at };
}

const rateBucketRecord = z.object({
  tokens: z.number().nullable(),
  refilled_at: optionalDate,
  paused_until: optionalDate,
});
/** A `rate_buckets` row (`tokens, refilled_at, paused_until`), in epoch ms. */
export function toRateBucket(row: unknown): RateBucketRow {
  const r = rateBucketRecord.parse(row);
  return {
    tokens: r.tokens ?? undefined,
    refilledAt: r.refilled_at?.getTime(),
    pausedUntil: r.paused_until?.getTime(),
  };
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
  optionalJson,
});
export const { toDeliveryRow, toAttemptRecord, toParticipantOutcome, toContactIndexEntry, toContactIndexState } =
  readers;
