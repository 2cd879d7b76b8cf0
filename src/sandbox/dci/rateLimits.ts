const MINUTE_MS = 60_000;

export type LimitDecision = { allowed: true } | { allowed: false; retryAfterSec: number };

/** Sliding 60-second window per token: at most `perMinute` requests; a refused request is not counted. */
export class MinuteRateLimit {
  private readonly seen = new Map<string, number[]>();

  take(token: string, perMinute: number, now: Date): LimitDecision {
    const nowMs = now.getTime();
    const recent = (this.seen.get(token) ?? []).filter((time) => time > nowMs - MINUTE_MS);
    this.seen.set(token, recent);
    if (recent.length >= perMinute) {
      const oldest = recent[0] ?? nowMs;
      return { allowed: false, retryAfterSec: Math.max(1, Math.ceil((oldest + MINUTE_MS - nowMs) / 1000)) };
    }
    recent.push(nowMs);
    return { allowed: true };
  }
}

/**
 * "1000 unique conversations/day per token" (dci-api.md §1.3): the conversation ids a token has touched in the
 * current UTC day. Touching ids already counted today is always allowed; touching new ones is refused as a whole
 * when they would take the count above the quota.
 */
export class DailyConversationQuota {
  private readonly touched = new Map<string, { day: string; ids: Set<string> }>();

  touch(token: string, ids: readonly string[], quota: number, now: Date): LimitDecision {
    const day = now.toISOString().slice(0, 10);
    let today = this.touched.get(token);
    if (today?.day !== day) {
      today = { day, ids: new Set() };
      this.touched.set(token, today);
    }
    const counted = today.ids;
    const fresh = new Set(ids.filter((id) => !counted.has(id)));
    if (counted.size + fresh.size > quota) return { allowed: false, retryAfterSec: secondsToUtcMidnight(now) };
    for (const id of fresh) counted.add(id);
    return { allowed: true };
  }
}

function secondsToUtcMidnight(now: Date): number {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((midnight - now.getTime()) / 1000));
}
