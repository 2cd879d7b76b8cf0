import { z } from 'zod';
import type { CrmId } from '../../core';
import type { ContactIndexEntry, ParticipantOutcome } from '../crmConnector';
import type { AttemptRecord, DeliveryRow, DeliveryStatus } from './receiverStore';
import { ATTEMPT_OUTCOMES, MATCHED_BY, OUTCOME_KINDS, STATUSES } from './storedValues';

// Rows come out of node-postgres as `unknown`: these schemas turn them into the store's types (NULL becomes an absent
// field; timestamptz arrives as a Date, integer as a number, bytea as a Buffer, jsonb parsed), and the `…Params`
// functions turn the store's types into bind parameters, in the order of the column lists.

const integer = z.number().int();
const optionalInteger = integer.nullable().transform((value) => value ?? undefined);
const optionalText = z
  .string()
  .nullable()
  .transform((value) => value ?? undefined);
const date = z.date();
const optionalDate = date.nullable().transform((value) => value ?? undefined);
const crmId = z.union([z.number(), z.string()]);
const optionalCrmId = crmId.nullable().transform((id) => id ?? undefined);

/** A CRM id as a jsonb parameter: 123 stays a number, "abc" a string. */
function crmIdParam(id: CrmId | undefined): string | null {
  return id === undefined ? null : JSON.stringify(id);
}

export const DELIVERY_COLUMNS =
  'id, conversation_id, target, title, status, attempts, next_attempt_at, last_error_code, last_error_message, ' +
  'created_at, updated_at, delivered_at';

const deliveryRecord = z.object({
  id: z.string(),
  conversation_id: z.string(),
  target: z.string(),
  title: z.string(),
  status: z.enum(STATUSES),
  attempts: integer,
  next_attempt_at: optionalDate,
  last_error_code: optionalText,
  last_error_message: optionalText,
  created_at: date,
  updated_at: date,
  delivered_at: optionalDate,
});

/** A row selected with `DELIVERY_COLUMNS`. */
export function toDeliveryRow(row: unknown): DeliveryRow {
  const r = deliveryRecord.parse(row);
  return {
    id: r.id,
    conversationId: r.conversation_id,
    target: r.target,
    title: r.title,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastErrorCode: r.last_error_code,
    lastErrorMessage: r.last_error_message,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deliveredAt: r.delivered_at,
  };
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

export const ATTEMPT_COLUMNS =
  'attempt, started_at, duration_ms, outcome, error_code, error_message, crm_status, api_calls';

const attemptRecord = z.object({
  attempt: integer,
  started_at: date,
  duration_ms: integer,
  outcome: z.enum(ATTEMPT_OUTCOMES),
  error_code: optionalText,
  error_message: optionalText,
  crm_status: optionalInteger,
  api_calls: optionalInteger,
});

/** A row selected with `ATTEMPT_COLUMNS`. */
export function toAttemptRecord(row: unknown): AttemptRecord {
  const r = attemptRecord.parse(row);
  return {
    attempt: r.attempt,
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    outcome: r.outcome,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    crmStatus: r.crm_status,
    apiCalls: r.api_calls,
  };
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

export const OUTCOME_COLUMNS =
  'participant_index, outcome, matched_by, created_company, created_person, person_id, company_id, note_id, trace';

const outcomeRecord = z.object({
  participant_index: integer,
  outcome: z.enum(OUTCOME_KINDS),
  matched_by: z.enum(MATCHED_BY).nullable(),
  created_company: z.boolean().nullable(),
  created_person: z.boolean().nullable(),
  person_id: optionalCrmId,
  company_id: optionalCrmId,
  note_id: optionalCrmId,
  trace: z.string(),
});

/** A row selected with `OUTCOME_COLUMNS`. */
export function toParticipantOutcome(row: unknown): ParticipantOutcome {
  const r = outcomeRecord.parse(row);
  return {
    participantIndex: r.participant_index,
    outcome: r.outcome,
    matchedBy: r.matched_by ?? undefined,
    created:
      r.created_company === null && r.created_person === null
        ? undefined
        : { company: r.created_company === true, person: r.created_person === true },
    personId: r.person_id,
    companyId: r.company_id,
    noteId: r.note_id,
    trace: r.trace,
  };
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

export const CONTACT_COLUMNS =
  'person_id, email, mobile_e164, phone_e164, company_id, company_name, company_main_e164, inactive, updated_at';

const contactRecord = z.object({
  person_id: crmId,
  email: optionalText,
  mobile_e164: optionalText,
  phone_e164: optionalText,
  company_id: optionalCrmId,
  company_name: optionalText,
  company_main_e164: optionalText,
  inactive: z.boolean(),
  updated_at: optionalText,
});

/** A row selected with `CONTACT_COLUMNS`. */
export function toContactIndexEntry(row: unknown): ContactIndexEntry {
  const r = contactRecord.parse(row);
  return {
    personId: r.person_id,
    email: r.email,
    mobileE164: r.mobile_e164,
    phoneE164: r.phone_e164,
    companyId: r.company_id,
    companyName: r.company_name,
    companyMainE164: r.company_main_e164,
    inactive: r.inactive,
    updatedAt: r.updated_at,
  };
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

const contactIndexStateRecord = z.object({ size: integer, synced_at: date });
export function toContactIndexState(row: unknown): { size: number; syncedAt: Date } {
  const r = contactIndexStateRecord.parse(row);
  return { size: r.size, syncedAt: r.synced_at };
}
