/** Five failed sign-ins per client address in 15 minutes; then that address waits. */
export const SIGN_IN_MAX_FAILURES = 5;
/** One hundred failed sign-ins in 15 minutes from all addresses together; then everyone waits (many addresses). */
export const SIGN_IN_MAX_FAILURES_ALL = 100;
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

/** A sign-in attempt that the limiter let through: it counts as failed unless `succeeded` is called. */
export interface SignInAttempt {
  succeeded(): void;
}

/**
 * Counts failed sign-ins per client address and in total, in memory, and says how long a blocked client must wait.
 * An attempt counts as a failure from the moment it starts (the password check takes a while): twenty guesses sent
 * at once must not all be checked before the first failure is recorded.
 */
export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();
  private all: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Starts an attempt for `client`: `{ waitMs }` when it must wait (nothing is counted), else the attempt, already
   * counted as failed.
   */
  begin(client: string): { waitMs: number } | SignInAttempt {
    const waitMs = this.waitMs(client);
    if (waitMs > 0) return { waitMs };
    const at = this.now();
    this.failures.set(client, [...this.recent(client), at]);
    this.all.push(at);
    return {
      succeeded: () => {
        this.failures.delete(client);
        const index = this.all.indexOf(at);
        if (index >= 0) this.all.splice(index, 1);
      },
    };
  }

  /** Milliseconds the client must wait before trying again; 0 when it may try now. */
  waitMs(client: string): number {
    this.sweep();
    return Math.max(
      waitFor(this.recent(client), SIGN_IN_MAX_FAILURES, this.now()),
      waitFor(this.all, SIGN_IN_MAX_FAILURES_ALL, this.now()),
    );
  }

  private recent(client: string): number[] {
    const since = this.now() - SIGN_IN_WINDOW_MS;
    return (this.failures.get(client) ?? []).filter((at) => at > since);
  }

  /** Forgets failures older than the window, so guesses from many addresses do not pile up in memory. */
  private sweep(): void {
    const since = this.now() - SIGN_IN_WINDOW_MS;
    this.all = this.all.filter((at) => at > since);
    for (const [client, times] of this.failures) {
      if (times.every((at) => at <= since)) this.failures.delete(client);
    }
  }
}

/** How long until fewer than `max` of `times` (ascending) are inside the window. */
function waitFor(times: readonly number[], max: number, now: number): number {
  if (times.length < max) return 0;
  const oldest = times[times.length - max] ?? now;
  return Math.max(0, oldest + SIGN_IN_WINDOW_MS - now);
}
