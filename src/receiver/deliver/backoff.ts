/** First retry after about this long. */
export const BACKOFF_BASE_MS = 15_000;
/** No wait between attempts is longer than this, whatever Retry-After says. */
export const BACKOFF_CAP_MS = 60 * 60 * 1000;
/** ±20 % jitter, so deliveries that failed together do not all retry together. */
export const BACKOFF_JITTER = 0.2;

/**
 * How long to wait before the next attempt, after attempt number `attempt` (1-based) failed: 15 s doubling per
 * attempt, ±20 % jitter, capped at one hour. A `Retry-After` from the CRM is honoured as a minimum (within the cap).
 * Pure: `random` is injected (0 ≤ random < 1).
 */
export function backoffDelayMs(attempt: number, random: number, retryAfterMs?: number): number {
  const exponential = BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(attempt - 1, 30));
  const jittered = Math.min(exponential, BACKOFF_CAP_MS) * (1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * random);
  return Math.round(Math.min(BACKOFF_CAP_MS, Math.max(jittered, retryAfterMs ?? 0)));
}
