import { RELEASED } from '../store/deliveryTransitions';
import type { AttemptRecord } from '../store/ports/deliveryQueue';

/**
 * Attempt-log entries of attempts given back without counting (releaseDelivery): the receiver stopping, Lime out
 * (crm_unavailable), Lime's request budget full (budget_wait). They carry the number of the claim they gave back,
 * which the next claim takes again. (`lease_expired` is different: that attempt counts.)
 */
const UNCOUNTED = new Set<string>([RELEASED.code, 'crm_unavailable', 'budget_wait']);

/** One line of the Attempts table, in words. */
export type AttemptLine =
  | {
      kind: 'attempt';
      /** `1`, `2` … as the delivery counts it towards MAX_ATTEMPTS; `not counted` for a release. */
      number: string;
      counted: boolean;
      startedAt: Date;
      durationMs: number;
      result: string;
      errorCode?: string | undefined;
      errorMessage?: string | undefined;
    }
  /** The count started over before the next attempt: a requeue, Match again, or a newer payload from DCI. */
  | { kind: 'restart' };

/** The attempt log as the delivery page shows it: numbered as counted, releases marked, restarts shown. */
export function attemptLines(log: readonly AttemptRecord[]): AttemptLine[] {
  const lines: AttemptLine[] = [];
  let lastCounted: number | undefined;
  for (const attempt of log) {
    const counted = !(attempt.errorCode !== undefined && UNCOUNTED.has(attempt.errorCode));
    if (counted) {
      if (lastCounted !== undefined && attempt.attempt <= lastCounted) lines.push({ kind: 'restart' });
      lastCounted = attempt.attempt;
    }
    lines.push({
      kind: 'attempt',
      number: counted ? String(attempt.attempt) : 'not counted',
      counted,
      startedAt: attempt.startedAt,
      durationMs: attempt.durationMs,
      result: resultOf(attempt, counted),
      errorCode: attempt.errorCode,
      errorMessage: attempt.errorMessage,
    });
  }
  return lines;
}

function resultOf(attempt: AttemptRecord, counted: boolean): string {
  if (!counted) return 'given back, to be tried again';
  switch (attempt.outcome) {
    case 'delivered':
      return 'delivered';
    case 'retry':
      return attempt.errorCode === 'lease_expired' ? 'cut off, tried again' : 'failed, tried again later';
    case 'dead':
      return 'failed, given up (dead letter)';
  }
}

/** `850 ms`, `4.2 s`, `3 min 5 s`. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
