import type { ParticipantOutcome } from '../../core';
import type { AttemptRecord, DeliveryStatus, EnrichmentRecord, SummarySource } from './ports/deliveryQueue';

// The values the stores' text columns may hold, as zod enums take them (z.enum(STATUSES)); shared by every adapter.

export const STATUSES = {
  pending: 'pending',
  in_progress: 'in_progress',
  retrying: 'retrying',
  delivered: 'delivered',
  dead: 'dead',
} as const satisfies { [S in DeliveryStatus]: S };

export const ATTEMPT_OUTCOMES = {
  delivered: 'delivered',
  retry: 'retry',
  dead: 'dead',
} as const satisfies { [O in AttemptRecord['outcome']]: O };

export const OUTCOME_KINDS = {
  written: 'written',
  updated: 'updated',
  same_person: 'same_person',
  no_match: 'no_match',
  ambiguous: 'ambiguous',
  internal: 'internal',
  not_matchable: 'not_matchable',
  would_write: 'would_write',
  company_note: 'company_note',
} as const satisfies { [K in ParticipantOutcome['outcome']]: K };

export const MATCHED_BY = {
  email: 'email',
  mobile: 'mobile',
  phone: 'phone',
  created: 'created',
  assigned: 'assigned',
} as const satisfies { [K in NonNullable<ParticipantOutcome['matchedBy']>]: K };

export const SOURCES = {
  webhook: 'webhook',
  poll: 'poll',
  backfill: 'backfill',
} as const satisfies { [S in SummarySource]: S };

export const ENRICHMENT_STATES = {
  complete: 'complete',
  partial: 'partial',
  off: 'off',
} as const satisfies { [S in EnrichmentRecord['state']]: S };

/** The event type of a summary, as the `events` table records it beside ignored events' own types. */
export const SUMMARY_EVENT_TYPE = 'conversation.completed';
