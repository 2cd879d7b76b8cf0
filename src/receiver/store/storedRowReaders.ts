import { z } from 'zod';
import type { CrmId } from '../../core';
import type { ContactIndexEntry } from '../../crm/contactIndexRecords';
import type { AttemptRecord, ClaimedDelivery, DeliveryStatus, EnrichmentRecord } from './ports/deliveryQueue';
import type { DeliveryCounts, DeliveryRow, HeldPayload, StoredParticipantOutcome } from './ports/deliveryReads';
import type { JobState } from './ports/jobLeases';
import type { StoredPayload } from './ports/personalDataStore';
import type { RateBucketRow } from './rateBucket';
import { ATTEMPT_OUTCOMES, ENRICHMENT_STATES, MATCHED_BY, OUTCOME_KINDS, SOURCES, STATUSES } from './storedValues';

// The rows both adapters read the same way: one column list and one mapping to the store's types each. What
// differs per dialect is only how a column arrives (SQLite: epoch ms, 0/1 and JSON text; PostgreSQL: timestamptz,
// boolean and jsonb), so each adapter passes its column codecs.

/**
 * A delivery's columns, read `FROM ${DELIVERY_FROM}`: the delivery (`d`) and the source of the event it holds now
 * (`e`, found by its primary key, so a page of the log costs one index lookup per row).
 */
export const DELIVERY_COLUMNS =
  'd.id, d.conversation_id, d.target, d.title, d.status, d.attempts, d.next_attempt_at, d.last_error_code, ' +
  'd.last_error_message, d.created_at, d.updated_at, d.delivered_at, d.payload_removed_reason, ' +
  'd.payload_removed_at, d.enrichment, e.source';
/** The tables `DELIVERY_COLUMNS` come from; conditions name the delivery's columns `d.…`. */
export const DELIVERY_FROM = 'deliveries d JOIN events e ON e.id = d.event_id';
export const ATTEMPT_COLUMNS =
  'attempt, started_at, duration_ms, outcome, error_code, error_message, crm_status, api_calls';
export const OUTCOME_COLUMNS =
  'participant_index, outcome, matched_by, created_company, created_person, person_id, company_id, note_id, trace';
/** `OUTCOME_COLUMNS` plus how a participant was resolved after the delivery (migration 9), for reads. */
export const STORED_OUTCOME_COLUMNS = `${OUTCOME_COLUMNS}, resolved_how, resolved_at, resolved_by`;
export const CONTACT_COLUMNS =
  'person_id, email, mobile_e164, phone_e164, company_id, company_name, company_main_e164, inactive, updated_at, ' +
  'person_name';

/** A new payload is held again: whatever an earlier purge or erasure removed no longer applies. */
export const PAYLOAD_HELD = 'payload_removed_reason = NULL, payload_removed_at = NULL';

/** How one dialect's columns arrive, as zod schemas producing the store's values. */
export interface ColumnCodecs {
  date: z.ZodType<Date>;
  optionalDate: z.ZodType<Date | undefined>;
  /** A boolean column (0/1 in SQLite). */
  bool: z.ZodType<boolean>;
  /** A nullable boolean column. */
  optionalBool: z.ZodType<boolean | undefined>;
  crmId: z.ZodType<CrmId>;
  optionalCrmId: z.ZodType<CrmId | undefined>;
  /**
   * A nullable JSON column, as the value it holds (undefined for NULL). Never fails: a value that is not JSON reads as
   * undefined, and what the value must look like is checked by its reader.
   */
  optionalJson: z.ZodType<unknown>;
}

/** A CRM id as JSON text (jsonb in PostgreSQL, text in SQLite): 123 stays a number, "abc" a string. */
export function crmIdJson(id: CrmId | undefined): string | null {
  return id === undefined ? null : JSON.stringify(id);
}

export const integer = z.number().int();
export const optionalInteger = integer.nullable().transform((value) => value ?? undefined);
export const optionalText = z
  .string()
  .nullable()
  .transform((value) => value ?? undefined);

/** A due delivery as a claim selects it; each dialect reads the event's body its own way. */
export type DueDelivery = Omit<ClaimedDelivery, 'rawBody'>;

/** Readers for the rows selected with the column lists above. */
export function storedRowReaders(codecs: ColumnCodecs) {
  const deliveryRecord = z.object({
    id: z.string(),
    conversation_id: z.string(),
    target: z.string(),
    title: z.string(),
    status: z.enum(STATUSES),
    attempts: integer,
    next_attempt_at: codecs.optionalDate,
    last_error_code: optionalText,
    last_error_message: optionalText,
    created_at: codecs.date,
    updated_at: codecs.date,
    delivered_at: codecs.optionalDate,
    payload_removed_reason: z.enum(['retention', 'erasure']).nullable(),
    payload_removed_at: codecs.optionalDate,
    enrichment: codecs.optionalJson,
    source: z.enum(SOURCES),
  });
  const attemptRecord = z.object({
    attempt: integer,
    started_at: codecs.date,
    duration_ms: integer,
    outcome: z.enum(ATTEMPT_OUTCOMES),
    error_code: optionalText,
    error_message: optionalText,
    crm_status: optionalInteger,
    api_calls: optionalInteger,
  });
  const outcomeRecord = z.object({
    participant_index: integer,
    outcome: z.enum(OUTCOME_KINDS),
    matched_by: z.enum(MATCHED_BY).nullable(),
    created_company: codecs.optionalBool,
    created_person: codecs.optionalBool,
    person_id: codecs.optionalCrmId,
    company_id: codecs.optionalCrmId,
    note_id: codecs.optionalCrmId,
    trace: z.string(),
    resolved_how: z.enum(['rematch', 'admin']).nullish(),
    resolved_at: codecs.optionalDate.optional(),
    resolved_by: optionalText.optional(),
  });
  const contactRecord = z.object({
    person_id: codecs.crmId,
    email: optionalText,
    mobile_e164: optionalText,
    phone_e164: optionalText,
    company_id: codecs.optionalCrmId,
    company_name: optionalText,
    company_main_e164: optionalText,
    inactive: codecs.bool,
    updated_at: optionalText,
    person_name: optionalText,
  });
  const dueRecord = z.object({
    id: z.string(),
    conversation_id: z.string(),
    target: z.string(),
    event_id: z.string(),
    version: integer,
    attempts: integer,
    open_since: codecs.date,
  });
  const contactIndexStateRecord = z.object({ size: integer, synced_at: codecs.date });
  const oldestRecord = z.object({ oldest: codecs.optionalDate });
  const jobRecord = z.object({
    holder: optionalText,
    held_until: codecs.optionalDate,
    state: codecs.optionalJson,
    updated_at: codecs.optionalDate,
  });
  const rateBucketRecord = z.object({
    tokens: z.number().nullable(),
    refilled_at: codecs.optionalDate,
    paused_until: codecs.optionalDate,
  });

  return {
    /** A row selected with `DELIVERY_COLUMNS`. */
    toDeliveryRow(row: unknown): DeliveryRow {
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
        source: r.source,
        enrichment: toEnrichment(r.enrichment),
        payloadRemoved:
          r.payload_removed_reason === null || r.payload_removed_at === undefined
            ? undefined
            : { reason: r.payload_removed_reason, at: r.payload_removed_at },
      };
    },
    /**
     * A due delivery (`id, conversation_id, target, event_id, version, attempts, open_since`), before the claim
     * counts the attempt.
     */
    toDueDelivery(row: unknown): DueDelivery {
      const r = dueRecord.parse(row);
      return {
        deliveryId: r.id,
        conversationId: r.conversation_id,
        target: r.target,
        eventId: r.event_id,
        version: r.version,
        attempt: r.attempts + 1,
        firstReceivedAt: r.open_since,
      };
    },
    /** A row selected with `ATTEMPT_COLUMNS`. */
    toAttemptRecord(row: unknown): AttemptRecord {
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
    },
    /** A row selected with `OUTCOME_COLUMNS` (or `STORED_OUTCOME_COLUMNS`: then with how it was resolved later). */
    toParticipantOutcome(row: unknown): StoredParticipantOutcome {
      const r = outcomeRecord.parse(row);
      const resolved =
        r.resolved_how === null || r.resolved_how === undefined || r.resolved_at === undefined
          ? {}
          : { resolvedLater: { how: r.resolved_how, at: r.resolved_at, by: r.resolved_by } };
      return {
        ...resolved,
        participantIndex: r.participant_index,
        outcome: r.outcome,
        matchedBy: r.matched_by ?? undefined,
        created:
          r.created_company === undefined && r.created_person === undefined
            ? undefined
            : { company: r.created_company === true, person: r.created_person === true },
        personId: r.person_id,
        companyId: r.company_id,
        noteId: r.note_id,
        trace: r.trace,
      };
    },
    /** A row selected with `CONTACT_COLUMNS`. */
    toContactIndexEntry(row: unknown): ContactIndexEntry {
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
        personName: r.person_name,
      };
    },
    toContactIndexState(row: unknown): { size: number; syncedAt: Date } {
      const r = contactIndexStateRecord.parse(row);
      return { size: r.size, syncedAt: r.synced_at };
    },
    /** `MIN(open_since) AS oldest`. */
    toOldest(row: unknown): Date | undefined {
      return oldestRecord.parse(row).oldest;
    },
    /** A `jobs` row (`holder, held_until, state, updated_at`). */
    toJobState(row: unknown): JobState {
      const r = jobRecord.parse(row);
      return { holder: r.holder, heldUntil: r.held_until, state: r.state, updatedAt: r.updated_at };
    },
    /** A `rate_buckets` row (`tokens, refilled_at, paused_until`), in epoch ms. */
    toRateBucket(row: unknown): RateBucketRow {
      const r = rateBucketRecord.parse(row);
      return {
        tokens: r.tokens ?? undefined,
        refilledAt: r.refilled_at?.getTime(),
        pausedUntil: r.paused_until?.getTime(),
      };
    },
  };
}

// Rows whose columns read the same in both dialects (text, integers and bytes only).

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

/** `count` is selected as an integer (in PostgreSQL `COUNT(*)::integer`: a bigint would arrive as text). */
const statusCountRecord = z.object({ status: z.enum(STATUSES), count: integer });
export function toStatusCount(row: unknown): { status: DeliveryStatus; count: number } {
  return statusCountRecord.parse(row);
}

/** The counts by status (`status, count` rows; a status without deliveries has none), and the oldest open one. */
export function toDeliveryCounts(
  statusRows: readonly unknown[],
  oldestOpenSince: Date | undefined,
  /** `target, count` rows of the other targets' open deliveries; undefined when no target was asked for. */
  otherTargetRows?: readonly unknown[] | undefined,
): DeliveryCounts {
  const byStatus: Record<DeliveryStatus, number> = { pending: 0, in_progress: 0, retrying: 0, delivered: 0, dead: 0 };
  for (const row of statusRows) {
    const { status, count } = toStatusCount(row);
    byStatus[status] = count;
  }
  if (otherTargetRows === undefined) return { byStatus, oldestOpenSince };
  return { byStatus, oldestOpenSince, waitingForOtherCrm: otherTargetRows.map((row) => targetCountRecord.parse(row)) };
}

const targetCountRecord = z.object({ target: z.string(), count: integer });

const bodyRecord = z.object({ raw_body: z.instanceof(Buffer).nullable() });
/** An event's raw body; ignored events have none, and retention or erasure removes it. */
export function toEventBody(row: unknown): Buffer | undefined {
  return bodyRecord.parse(row).raw_body ?? undefined;
}

const storedPayloadRecord = z.object({ id: z.string(), raw_body: z.instanceof(Buffer) });
/** An event that holds its body (`id, raw_body`). */
export function toStoredPayload(row: unknown): StoredPayload {
  const r = storedPayloadRecord.parse(row);
  return { eventId: r.id, rawBody: r.raw_body };
}

/** An instant as JSON holds it (ISO 8601), revived as a Date. */
const isoDate = z.string().transform((iso, context) => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) {
    context.addIssue({ code: 'custom', message: 'not an ISO 8601 instant' });
    return z.NEVER;
  }
  return new Date(ms);
});
const enrichmentRecord = z.object({
  state: z.enum(ENRICHMENT_STATES),
  added: z.array(z.string()),
  missing: z.array(z.object({ part: z.string(), reason: z.string() })),
  at: isoDate,
});

/**
 * A stored enrichment record (the JSON value, parsed), its `at` a Date again; undefined when there is none or it is
 * not one (a damaged value must not make the delivery log unreadable).
 */
export function toEnrichment(value: unknown): EnrichmentRecord | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = enrichmentRecord.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** An enrichment record as JSON text: only its own fields, whatever else the object given carries. */
export function enrichmentJson(enrichment: EnrichmentRecord): string {
  return JSON.stringify({
    state: enrichment.state,
    added: enrichment.added,
    missing: enrichment.missing.map(({ part, reason }) => ({ part, reason })),
    at: enrichment.at.toISOString(),
  });
}

const heldPayloadRecord = z.object({
  conversation_id: z.string(),
  id: z.string(),
  status: z.enum(STATUSES),
  source: z.enum(SOURCES),
  raw_body: z.instanceof(Buffer).nullable(),
});
/** A delivery with the source and body of the event it holds (`conversation_id, id, status, source, raw_body`). */
export function toHeldPayload(row: unknown): HeldPayload {
  const r = heldPayloadRecord.parse(row);
  return {
    conversationId: r.conversation_id,
    deliveryId: r.id,
    status: r.status,
    source: r.source,
    rawBody: r.raw_body ?? undefined,
  };
}

const traceRecord = z.object({
  delivery_id: z.string(),
  participant_index: integer,
  trace: z.string(),
  status: z.enum(STATUSES),
});
/** A matching trace, with where it is kept and the status of its delivery. */
export function toTraceRow(row: unknown) {
  const r = traceRecord.parse(row);
  return { deliveryId: r.delivery_id, participantIndex: r.participant_index, trace: r.trace, status: r.status };
}

const idAndStatusRecord = z.object({ id: z.string(), status: z.enum(STATUSES) });
export function toIdAndStatus(row: unknown): { id: string; status: DeliveryStatus } {
  return idAndStatusRecord.parse(row);
}
