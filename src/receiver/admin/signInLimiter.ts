/** Five failed sign-ins per client address in 15 minutes; then wait. */
export const SIGN_IN_MAX_FAILURES = 5;
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

/** Counts failed sign-ins per client address, in memory, and says how long a blocked client must wait. */
export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds the client must wait before trying again; 0 when it may try now. */
  waitMs(client: string): number {
    const recent = this.recent(client);
    if (recent.length < SIGN_IN_MAX_FAILURES) return 0;
    const oldest = recent[recent.length - SIGN_IN_MAX_FAILURES] ?? this.now();
    return Math.max(0, oldest + SIGN_IN_WINDOW_MS - this.now());
  }

  recordFailure(client: string): void {
    this.failures.set(client, [...this.recent(client), this.now()]);
  }

  recordSuccess(client: string): void {
    this.failures.delete(client);
  }

  private recent(client: string): number[] {
    const since = this.now() - SIGN_IN_WINDOW_MS;
    return (this.failures.get(client) ?? []).filter((at) => at > since);
  }
}
