/**
 * Answer with this status (and optional body / Retry-After / other headers, e.g. a Retry-After HTTP date) instead
 * of handling the request.
 */
export type StatusFault = {
  kind: 'status';
  status: number;
  retryAfterSec?: number;
  body?: unknown;
  headers?: Record<string, string>;
};

/** The faults both emulators inject; an emulator may add kinds of its own. */
export type HttpFault =
  | StatusFault
  /** Wait this long before handling the request normally. */
  | { kind: 'delay'; ms: number }
  /** Destroy the socket without answering (a connection reset). */
  | { kind: 'drop' };

/** Faults waiting for the next requests, one per request, in the order they were queued. */
export class FaultQueue<Fault> {
  private readonly pending: Fault[] = [];

  /** The next `count` requests get `fault` (after faults already pending). */
  enqueue(count: number, fault: Fault): void {
    for (let index = 0; index < count; index += 1) this.pending.push(fault);
  }

  /** The fault for the request at hand, if any; taking it uses it up. */
  take(): Fault | undefined {
    return this.pending.shift();
  }
}
