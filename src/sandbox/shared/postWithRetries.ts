import { setTimeout as sleep } from 'node:timers/promises';

/** What one attempt came to, as both emulators' webhook logs record it. */
export interface AttemptResult {
  /** The target's HTTP status, when it answered. */
  status?: number;
  /** Why there was no answer (refused, timed out, cut by the close). */
  error?: string;
}

export interface RetriedPost<Entry extends AttemptResult> {
  url: string;
  /** The exact bytes sent (and signed by the caller). */
  body: string | Buffer;
  /** Read at each attempt: a timestamp header is the attempt's own. */
  headers(): Record<string, string>;
  /** Attempts in all, the first included. */
  attempts: number;
  /** The wait after failed attempt `attempt` (1 for the first) before the next one. */
  retryDelayMs(attempt: number): number;
  /** How long one POST may take. */
  timeoutMs: number;
  /** The emulator closing: no further attempt, the one in flight is cut, a wait ends. */
  stopping: AbortSignal;
  /** The log entry of an attempt, before its result is known; it is pushed to `log` with the result. */
  entry(attempt: number): Entry;
  log: Entry[];
}

/**
 * A webhook delivery: POSTs the body until the target answers 2xx, the attempts run out or the emulator closes.
 * Every attempt is logged with its status or network error.
 */
export async function postWithRetries<Entry extends AttemptResult>(post: RetriedPost<Entry>): Promise<void> {
  for (let attempt = 1; attempt <= post.attempts && !post.stopping.aborted; attempt += 1) {
    const entry = post.entry(attempt);
    try {
      const response = await fetch(post.url, {
        method: 'POST',
        headers: post.headers(),
        body: post.body,
        signal: AbortSignal.any([post.stopping, AbortSignal.timeout(post.timeoutMs)]),
      });
      await response.arrayBuffer();
      entry.status = response.status;
    } catch (error) {
      entry.error = error instanceof Error ? error.message : String(error);
    }
    post.log.push(entry);
    if (entry.status !== undefined && entry.status >= 200 && entry.status < 300) return;
    if (attempt < post.attempts) {
      await sleep(post.retryDelayMs(attempt), undefined, { signal: post.stopping }).catch(() => undefined);
    }
  }
}
