import { z } from 'zod';
import type { CrmId } from '../../core';
import type { ContactIndexEntry, ParticipantOutcome } from '../crmConnector';
import type { AttemptRecord, ClaimedDelivery, DeliveryRow, DeliveryStatus } from './receiverStore';
import { ATTEMPT_OUTCOMES, MATCHED_BY, OUTCOME_KINDS, STATUSES } from './storedValues';

// Rows come out of SQLite as `unknown`: these schemas turn them into the store's types (NULL becomes an absent
// field, epoch milliseconds a Date), and the `…Params` functions turn the store's types into bind parameters.

const integer = z.number().int();
const optionalInteger = integer.nullable().transform((value) => value ?? undefined);
const optionalText = z
  .string()
  .nullable()
  .transform((value) => value ?? undefined);
const date = integer.transform((ms) => new Date(ms));
const optionalDate = integer.nullable().transform((ms) => (ms === null ? undefined : new Date(ms)));
const flag = z.union([z.literal(0), z.literal(1)]).nullable();
/** A CRM id is stored as JSON, so a numeric id comes back as a number and a text id as text. */
const crmId = z
  .string()
  .transform((json): unknown => JSON.parse(json))
  .pipe(z.union([z.number(), z.string()]));
const optionalCrmId = crmId.nullable().transform((id) => id ?? undefined);

function crmIdColumn(id: CrmId | undefined): string | null {
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

const settingRecord = z.object({ key: z.string(), value: z.string() });
/** A saved setting; its value is JSON text. */
export function toSettingRow(row: unknown): { key: string; value: string } {
  return settingRecord.parse(row);
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

const heldDeliveryRecord = z.object({ id: z.string(), status: z.enum(STATUSES), event_timestamp: optionalInteger });

/** The conversation's delivery as `acceptSummary` needs it: its status and the timestamp of the payload it holds. */
export function toHeldDelivery(row: unknown): { id: string; status: DeliveryStatus; eventTimestamp?: number } {
  const r = heldDeliveryRecord.parse(row);
  return r.event_timestamp === undefined
    ? { id: r.id, status: r.status }
    : { id: r.id, status: r.status, eventTimestamp: r.event_timestamp };
}

const claimRecord = z.object({
  id: z.string(),
  conversation_id: z.string(),
  target: z.string(),
  event_id: z.string(),
  raw_body: z.instanceof(Buffer),
  version: integer,
  attempts: integer,
  open_since: date,
});

/** A due delivery joined with its event, before the claim counts the attempt. */
export function toClaimedDelivery(row: unknown): ClaimedDelivery {
  const r = claimRecord.parse(row);
  return {
    deliveryId: r.id,
    conversationId: r.conversation_id,
    target: r.target,
    eventId: r.event_id,
    rawBody: r.raw_body,
    version: r.version,
    attempt: r.attempts + 1,
    firstReceivedAt: r.open_since,
  };
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

export const OUTCOME_COLUMNS =
  'participant_index, outcome, matched_by, created_company, created_person, person_id, company_id, note_id, trace';

const outcomeRecord = z.object({
  participant_index: integer,
  outcome: z.enum(OUTCOME_KINDS),
  matched_by: z.enum(MATCHED_BY).nullable(),
  created_company: flag,
  created_person: flag,
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
        : { company: r.created_company === 1, person: r.created_person === 1 },
    personId: r.person_id,
    companyId: r.company_id,
    noteId: r.note_id,
    trace: r.trace,
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
    personId: crmIdColumn(outcome.personId),
    companyId: crmIdColumn(outcome.companyId),
    noteId: crmIdColumn(outcome.noteId),
    trace: outcome.trace,
  };
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
  inactive: z.union([z.literal(0), z.literal(1)]),
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
    inactive: r.inactive === 1,
    updatedAt: r.updated_at,
  };
}

export function contactParams(target: string, entry: ContactIndexEntry) {
  return {
    target,
    personId: JSON.stringify(entry.personId),
    email: entry.email ?? null,
    mobileE164: entry.mobileE164 ?? null,
    phoneE164: entry.phoneE164 ?? null,
    companyId: crmIdColumn(entry.companyId),
    companyName: entry.companyName ?? null,
    companyMainE164: entry.companyMainE164 ?? null,
    inactive: Number(entry.inactive),
    updatedAt: entry.updatedAt ?? null,
  };
}

const contactIndexStateRecord = z.object({ size: integer, synced_at: date });
export function toContactIndexState(row: unknown): { size: number; syncedAt: Date } {
  const r = contactIndexStateRecord.parse(row);
  return { size: r.size, syncedAt: r.synced_at };
}
