// The token bucket behind `RateBuckets.takeRateToken`, as a pure function: each adapter reads the bucket's row
// under its write lock, asks this what to do, and writes the answer back in the same transaction. The decision is
// written once, here, above the SQL.

const MS_PER_MINUTE = 60_000;
/** Refills are sums of fractions: a bucket this close to a whole token has it (no 1 ms wait for a rounding error). */
const EPSILON = 1e-9;

/** A bucket as stored: epoch milliseconds; `tokens` undefined while it is full as new (created by a pause). */
export interface RateBucketRow {
  tokens?: number | undefined;
  refilledAt?: number | undefined;
  pausedUntil?: number | undefined;
}

/** What a take decided: the ms to wait (0: a token was taken), and the bucket to store. */
export interface RateTake {
  waitMs: number;
  tokens: number;
  refilledAt: number;
}

/**
 * The bucket's shape for a limit of `perMinute` requests in any sliding minute (DCI counts per minute, and a bucket
 * as deep as the whole minute would let twice that through: a full burst, then a minute of refills). A tenth of the
 * minute may go at once; the rest comes at an even pace, so a burst plus a minute of refills stays within the limit.
 */
export function bucketShape(perMinute: number): { capacity: number; refillPerMinute: number } {
  const capacity = Math.max(1, Math.floor(perMinute / 10));
  return { capacity, refillPerMinute: Math.max(perMinute - capacity, 1) };
}

/**
 * Takes one token from the bucket (undefined: a new one, full) at `now`: capacity and refill rate from
 * `bucketShape(perMinute)`, refilled since `refilledAt`. Paused: the wait until the pause ends, none taken. Empty:
 * the whole ms until one token is there, none taken. A `now` before `refilledAt` (another process's clock) refills
 * nothing and leaves `refilledAt` where it is.
 */
export function takeFromBucket(bucket: RateBucketRow | undefined, now: number, perMinute: number): RateTake {
  if (!Number.isFinite(perMinute) || perMinute <= 0) {
    throw new RangeError(`a rate bucket needs a positive number of requests a minute, not ${perMinute}`);
  }
  const { capacity, refillPerMinute } = bucketShape(perMinute);
  let tokens = capacity;
  let refilledAt = now;
  if (bucket?.tokens !== undefined && bucket.refilledAt !== undefined) {
    const elapsed = Math.max(now - bucket.refilledAt, 0);
    // Multiplied before divided: whole tokens come out whole.
    tokens = Math.min(capacity, bucket.tokens + (elapsed * refillPerMinute) / MS_PER_MINUTE);
    refilledAt = Math.max(bucket.refilledAt, now);
  }
  if (bucket?.pausedUntil !== undefined && bucket.pausedUntil > now) {
    return { waitMs: bucket.pausedUntil - now, tokens, refilledAt };
  }
  if (tokens >= 1 - EPSILON) return { waitMs: 0, tokens: Math.max(tokens - 1, 0), refilledAt };
  return { waitMs: Math.max(Math.ceil(((1 - tokens) * MS_PER_MINUTE) / refillPerMinute), 1), tokens, refilledAt };
}
