export type RateDecision = { allowed: true } | { allowed: false; retryAfterSec: number };

/** Per-client sliding window: at most `requests` in any `windowMs`; the answer says when the next one fits. */
export function createRateLimiter(
  limit: { requests: number; windowMs: number },
  nowMs: () => number,
): (client: string) => RateDecision {
  const seen = new Map<string, number[]>();
  return (client) => {
    const now = nowMs();
    const recent = (seen.get(client) ?? []).filter((time) => time > now - limit.windowMs);
    if (recent.length >= limit.requests) {
      seen.set(client, recent);
      const oldest = recent[0] ?? now;
      return { allowed: false, retryAfterSec: Math.max(1, Math.ceil((oldest + limit.windowMs - now) / 1000)) };
    }
    recent.push(now);
    seen.set(client, recent);
    return { allowed: true };
  };
}
