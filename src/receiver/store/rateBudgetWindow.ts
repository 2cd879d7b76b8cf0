import { z } from 'zod';
import type { BudgetPurpose, BudgetState, BudgetWindow } from './ports/rateBudgetStore';

// The sliding-window budget behind `RateBudgetStore`, as pure functions: each adapter locks the origin's row, counts
// the spends in the window, asks these what to do, and writes the answer back in the same transaction. The decisions
// are written once, here, above the SQL. Times are epoch milliseconds.

/** The share of the limit the contact-index sync may spend: deliveries always keep two thirds. */
export const SYNC_SHARE = 1 / 3;
/** A 429 again right after a lowering ended doubles the next one's hold, up to this many windows. */
const MAX_HOLD_WINDOWS = 8;

/** An origin's row as stored; absent fields are NULL. */
export interface RateBudgetRow {
  /** Nothing is spent before this (the CRM's `Retry-After`). */
  blockedUntil?: number | undefined;
  /** The limit a 429 lowered the budget to, in force until `loweredUntil`. */
  loweredLimit?: number | undefined;
  loweredUntil?: number | undefined;
  /** How many lowerings in a row came right after the one before ended (the hold doubles each time). */
  lowerings: number;
  /** A delivery is waiting for the budget until about then: syncs hold back. */
  deliveryWaitingUntil?: number | undefined;
  /** A probe is waiting until about then: syncs hold back. */
  probeWaitingUntil?: number | undefined;
}

/** The spends in the window, as the adapter counts them. */
export interface WindowCounts {
  total: number;
  byPurpose: Record<BudgetPurpose, number>;
  /** Spends the CRM refused with 429 (they still count: the real server may have counted them). */
  refused: number;
}

const countsRecord = z.object({
  total: z.number(),
  delivery: z.number(),
  probe: z.number(),
  sync: z.number(),
  refused: z.number(),
});

/** A dialect's count row (columns total, delivery, probe, sync, refused, all numbers) as window counts. */
export function windowCountsOf(row: unknown): WindowCounts {
  const c = countsRecord.parse(row);
  return { total: c.total, byPurpose: { delivery: c.delivery, probe: c.probe, sync: c.sync }, refused: c.refused };
}

/** A spend older than this is out of the window: `spent_at > windowStart(…)` counts. */
export function windowStart(window: Pick<BudgetWindow, 'now' | 'windowMs'>): number {
  return window.now.getTime() - window.windowMs;
}

/** Spends older than this are no longer needed by any decision (the cushion covers replicas with slower clocks). */
export function forgetBefore(window: Pick<BudgetWindow, 'now' | 'windowMs'>): number {
  return window.now.getTime() - 2 * window.windowMs;
}

/** The limit in force at `now`: the configured one, or the lowered one while a 429 holds it down. */
export function limitInForce(row: RateBudgetRow | undefined, window: BudgetWindow): number {
  const now = window.now.getTime();
  return row?.loweredLimit !== undefined && (row.loweredUntil ?? 0) > now
    ? Math.min(row.loweredLimit, window.limit)
    : window.limit;
}

/** How many requests the sync may have in the window under `limit`. */
export function syncLimit(limit: number): number {
  return Math.max(1, Math.floor(limit * SYNC_SHARE));
}

/**
 * A spend that must leave the window before the take can go: the `offset`-th oldest (0-based) of all spends, or of
 * the sync's alone.
 */
export interface LeavingSpend {
  purpose: 'all' | 'sync';
  offset: number;
}

/** What a take decided before the adapter looked up when the spends in its way leave the window. */
export type TakePlan = { kind: 'take' } | { kind: 'wait'; until: number; leaving: LeavingSpend[] };

export function planTake(
  row: RateBudgetRow | undefined,
  counts: WindowCounts,
  request: BudgetWindow & { purpose: BudgetPurpose },
): TakePlan {
  const now = request.now.getTime();
  const limit = limitInForce(row, request);
  const holds = [row?.blockedUntil ?? 0];
  // Priority across every process on the store: a delivery or a probe waiting anywhere holds the sync back. A probe
  // is not held back by waiting deliveries: it is one request per probe interval, and a replica whose circuit is
  // open must learn that Lime answers while another replica drains its backlog.
  if (request.purpose === 'sync') holds.push(row?.deliveryWaitingUntil ?? 0, row?.probeWaitingUntil ?? 0);
  const until = Math.max(...holds);
  const leaving: LeavingSpend[] = [];
  if (counts.total >= limit) leaving.push({ purpose: 'all', offset: counts.total - limit });
  if (request.purpose === 'sync' && counts.byPurpose.sync >= syncLimit(limit)) {
    leaving.push({ purpose: 'sync', offset: counts.byPurpose.sync - syncLimit(limit) });
  }
  return until <= now && leaving.length === 0 ? { kind: 'take' } : { kind: 'wait', until, leaving };
}

/**
 * When a waiting take may ask again: after every hold, and after each spend in its way has left the window (or the
 * lowered limit has ended, whichever comes first). Never earlier than 1 ms from now.
 */
export function retryAtOf(
  plan: Extract<TakePlan, { kind: 'wait' }>,
  leavingSpentAt: readonly number[],
  row: RateBudgetRow | undefined,
  window: BudgetWindow,
): number {
  const now = window.now.getTime();
  const lowered = row?.loweredLimit !== undefined && (row.loweredUntil ?? 0) > now ? row.loweredUntil : undefined;
  const leaves = leavingSpentAt.map((spentAt) => Math.min(spentAt + window.windowMs, lowered ?? Infinity));
  return Math.max(plan.until, ...leaves, now + 1);
}

/**
 * The row after a take of `purpose` was told to wait until `retryAt`: a waiting delivery (or probe) marks itself, so
 * the sync on every process holds back until a little after it may go.
 */
export function markWaiting(
  row: RateBudgetRow | undefined,
  purpose: BudgetPurpose,
  retryAt: number,
  windowMs: number,
): RateBudgetRow {
  const base: RateBudgetRow = row ?? { lowerings: 0 };
  const until = retryAt + Math.min(1000, Math.ceil(windowMs / 20));
  if (purpose === 'delivery') return { ...base, deliveryWaitingUntil: Math.max(base.deliveryWaitingUntil ?? 0, until) };
  if (purpose === 'probe') return { ...base, probeWaitingUntil: Math.max(base.probeWaitingUntil ?? 0, until) };
  return base;
}

/**
 * The row after a 429, with `counts` taken after the last spend was marked refused. The limit drops to what the CRM
 * let through in the window (never below 1, never above a lower limit already in force) for one window; a 429 again
 * within a window of the last lowering's end doubles the hold (up to `MAX_HOLD_WINDOWS`), as a server whose real
 * limit is lower than configured would answer. Nothing is spent before `Retry-After` has passed.
 */
export function lowerAfterRateLimited(
  row: RateBudgetRow | undefined,
  counts: WindowCounts,
  request: BudgetWindow & { retryAfterMs?: number | undefined },
): RateBudgetRow {
  const now = request.now.getTime();
  const base: RateBudgetRow = row ?? { lowerings: 0 };
  const active = base.loweredLimit !== undefined && (base.loweredUntil ?? 0) > now;
  const soonAfter = !active && base.loweredUntil !== undefined && now - base.loweredUntil < request.windowMs;
  const lowerings = active ? base.lowerings : soonAfter ? base.lowerings + 1 : 0;
  const holdMs = request.windowMs * Math.min(2 ** lowerings, MAX_HOLD_WINDOWS);
  const accepted = counts.total - counts.refused;
  return {
    ...base,
    loweredLimit: Math.max(1, Math.min(limitInForce(base, request), accepted)),
    loweredUntil: Math.max(active ? (base.loweredUntil ?? 0) : 0, now + holdMs),
    lowerings,
    blockedUntil: Math.max(base.blockedUntil ?? 0, now + Math.max(0, request.retryAfterMs ?? 0)),
  };
}

/** The budget as it stands; `oldestInTheWay` is the spend whose leaving frees the next request, when it is full. */
export function stateOf(
  row: RateBudgetRow | undefined,
  counts: WindowCounts,
  window: BudgetWindow,
  oldestInTheWay: number | undefined,
): BudgetState {
  const now = window.now.getTime();
  const limit = limitInForce(row, window);
  const blocked = (row?.blockedUntil ?? 0) > now;
  const free = blocked ? 0 : Math.max(0, limit - counts.total);
  const lowered = row?.loweredLimit !== undefined && (row.loweredUntil ?? 0) > now ? row.loweredUntil : undefined;
  let freesAt: number | undefined;
  if (free === 0) {
    const leaves = oldestInTheWay === undefined ? now : Math.min(oldestInTheWay + window.windowMs, lowered ?? Infinity);
    freesAt = Math.max(blocked ? (row?.blockedUntil ?? now) : now, leaves, now + 1);
  }
  return {
    limit,
    spent: counts.byPurpose,
    free,
    freesAt: freesAt === undefined ? undefined : new Date(freesAt),
    loweredUntil: lowered === undefined ? undefined : new Date(lowered),
  };
}
