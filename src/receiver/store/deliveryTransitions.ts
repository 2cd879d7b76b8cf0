import { assertNever } from '../../core/assertNever';
import type { ParticipantOutcome } from '../../core';
import type { DeliveryQueue, DeliveryStatus, EnrichmentRecord, FinishedAttempt } from './ports/deliveryQueue';
import type { ErasureResult } from './ports/personalDataStore';

// How a delivery moves between statuses, decided once, above the SQL: each adapter reads the delivery's row under
// its lock (FOR UPDATE in PostgreSQL, BEGIN IMMEDIATE in SQLite), asks these functions what that row means, and runs
// the answer as its own SQL in the same transaction. (The rate bucket's decision is made the same way, in
// rateBucket.ts.)

/** What a finished attempt asks of its delivery, when it is still the delivery's current attempt. */
export type Settlement =
  | { status: 'delivered'; outcomes: readonly ParticipantOutcome[]; enrichment?: EnrichmentRecord | undefined }
  | { status: 'retrying'; nextAttemptAt: Date }
  | { status: 'dead' };

/** The columns a settled delivery takes; its lease is let go alongside. */
export interface SettledColumns {
  status: Settlement['status'];
  nextAttemptAt: Date | null;
  /** The attempt's error, shown until the next attempt; none once delivered. */
  errorCode: string | null;
  errorMessage: string | null;
  /** When it was delivered; null leaves the column as it was. */
  deliveredAt: Date | null;
}

/** One write of a finished attempt, run in the order given. */
export type AttemptWrite =
  /** The attempt, into the audit trail. */
  | { kind: 'record_attempt' }
  /** A newer payload arrived meanwhile: the delivery is due now with fresh attempts, its lease let go. */
  | { kind: 'restart_superseded' }
  /** The outcomes are those of the last completed attempt: replaced as a whole. */
  | { kind: 'replace_outcomes'; outcomes: readonly ParticipantOutcome[] }
  /** What DCI's REST API added in the attempt (its time also as a column, for the catch-up's query). */
  | { kind: 'record_enrichment'; enrichment: EnrichmentRecord }
  | { kind: 'settle'; columns: SettledColumns };

/**
 * What a finished attempt writes, given the version of its delivery read under the lock where `workerId` still
 * holds it for this attempt (`attempts` = the attempt's number), or undefined where it does not. A lease that ran out
 * still holds until another worker claims the delivery: a late, uncontested result counts.
 * - `lost`: another worker took the delivery over, or it was released: nothing is written;
 * - `superseded`: a newer payload arrived meanwhile: the attempt is recorded (a completion's outcomes and enrichment
 *   too: they describe what the attempt wrote) and the delivery is due now for the newer payload;
 * - otherwise the delivery settles as asked.
 */
export function finishAttempt<S extends Settlement>(
  heldVersion: number | undefined,
  finished: FinishedAttempt,
  settlement: S,
): { result: S['status'] | 'superseded' | 'lost'; writes: AttemptWrite[] } {
  if (heldVersion === undefined) return { result: 'lost', writes: [] };
  const superseded = heldVersion !== finished.version;
  const writes: AttemptWrite[] = [{ kind: 'record_attempt' }];
  if (superseded) writes.push({ kind: 'restart_superseded' });
  const asked: Settlement = settlement;
  if (asked.status === 'delivered') {
    writes.push({ kind: 'replace_outcomes', outcomes: asked.outcomes });
    if (asked.enrichment !== undefined) writes.push({ kind: 'record_enrichment', enrichment: asked.enrichment });
  }
  if (superseded) return { result: 'superseded', writes };
  writes.push({ kind: 'settle', columns: settledColumns(asked, finished) });
  return { result: settlement.status, writes };
}

/**
 * The queue's three ways to end an attempt, each the settlement it asks for, run by the adapter's `finish`: read the
 * lease under its lock, then `finishAttempt`'s writes, in one transaction.
 */
export function attemptEndings(
  finish: <S extends Settlement>(
    finished: FinishedAttempt,
    settlement: S,
  ) => Promise<S['status'] | 'superseded' | 'lost'>,
): Pick<DeliveryQueue, 'completeDelivery' | 'retryDelivery' | 'deadLetterDelivery'> {
  return {
    completeDelivery: (done) =>
      finish(done, { status: 'delivered', outcomes: done.outcomes, enrichment: done.enrichment }),
    retryDelivery: (failed) => finish(failed, { status: 'retrying', nextAttemptAt: failed.nextAttemptAt }),
    deadLetterDelivery: (failed) => finish(failed, { status: 'dead' }),
  };
}

function settledColumns(settlement: Settlement, finished: FinishedAttempt): SettledColumns {
  const error = { errorCode: finished.attempt.errorCode ?? null, errorMessage: finished.attempt.errorMessage ?? null };
  switch (settlement.status) {
    case 'delivered':
      return {
        status: 'delivered',
        nextAttemptAt: null,
        errorCode: null,
        errorMessage: null,
        deliveredAt: finished.now,
      };
    case 'retrying':
      return { status: 'retrying', nextAttemptAt: settlement.nextAttemptAt, ...error, deliveredAt: null };
    case 'dead':
      return { status: 'dead', nextAttemptAt: null, ...error, deliveredAt: null };
    default:
      return assertNever(settlement);
  }
}

/** The attempt log's entry for an attempt whose worker died or overran its lease, written when it is reclaimed. */
export const LEASE_EXPIRED = {
  code: 'lease_expired',
  message: 'The receiver stopped (or overran its lease) during this attempt; another attempt took over.',
} as const;

/**
 * The attempt log's entry for an attempt given back (logged, not counted): it may have written notes before it was
 * stopped, and the next one must look.
 */
export const RELEASED = {
  code: 'released',
  message:
    'The receiver stopped during this attempt and gave it back; the next attempt looks for notes it may have written.',
} as const;

/**
 * What requeueing does to a delivery in `status` (undefined: unknown, or its payload was removed, so there is nothing
 * left to deliver).
 * - `reopen`, dead or delivered: pending, attempts reset, last error cleared (the attempt log keeps it), max-age
 *   clock restarted;
 * - `due_now`, pending or retrying: due now, attempts kept ("retry now");
 * - `refused`, in progress or unknown.
 */
export function requeueStep(status: DeliveryStatus | undefined): 'reopen' | 'due_now' | 'refused' {
  switch (status) {
    case undefined:
    case 'in_progress':
      return 'refused';
    case 'pending':
    case 'retrying':
      return 'due_now';
    case 'delivered':
    case 'dead':
      return 'reopen';
    default:
      return assertNever(status);
  }
}

/** A payload's own timestamp (ISO) in epoch ms; null when it has none, or none that parses. */
export function eventInstant(iso: string | undefined): number | null {
  if (iso === undefined) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Whether an accepted payload is older than the one its conversation's delivery holds, so it is kept for the record
 * and changes nothing. Without a timestamp on either side it is not: it replaces the held payload.
 */
export function isStale(eventTimestamp: number | null, heldTimestamp: number | undefined): boolean {
  return heldTimestamp !== undefined && eventTimestamp !== null && eventTimestamp < heldTimestamp;
}

/**
 * What a newer payload does to its conversation's delivery in `status`.
 * - `keep_lease`, in progress: the lease is left alone: the worker's completion sees the new version and makes the
 *   delivery due again (`superseded`);
 * - `fresh_attempts`, any other: a new payload gets fresh attempts; a closed (delivered, dead) delivery reopens,
 *   restarting its max-age clock.
 */
export function payloadReplacement(status: DeliveryStatus): 'keep_lease' | 'fresh_attempts' {
  return status === 'in_progress' ? 'keep_lease' : 'fresh_attempts';
}

/**
 * An erasure's account of the deliveries it touched: those whose current payload it erased (an erased delivery that
 * was not delivered yet is dead for good, `payload_erased`), then those where only a trace named the person.
 */
export class ErasedDeliveries {
  readonly touched: ErasureResult['deliveries'] = [];

  /** Records a delivery whose current payload is erased; true when it must become dead (it was not delivered). */
  payloadErased(id: string, statusBefore: DeliveryStatus): boolean {
    const delivered = statusBefore === 'delivered';
    this.touched.push({ id, statusBefore, status: delivered ? statusBefore : 'dead', payloadRemoved: true });
    return !delivered;
  }

  /** Records a delivery where a trace naming the person was removed (once, whatever else was removed from it). */
  traceRemoved(id: string, status: DeliveryStatus): void {
    if (this.touched.some((delivery) => delivery.id === id)) return;
    this.touched.push({ id, statusBefore: status, status, payloadRemoved: false });
  }
}
