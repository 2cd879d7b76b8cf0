/**
 * What a CRM request is for. A shared budget serves them in this order: live deliveries first, then probes of an
 * unavailable CRM, then the contact-index sync (which may only spend a share of the budget).
 */
export type RequestPurpose = 'delivery' | 'probe' | 'sync';

/**
 * A budget of requests to one CRM origin (Lime Cloud allows 3,000 per 5 minutes per IP), shared by everything that
 * calls it — and, on PostgreSQL, by every replica. A connector asks it before every request it sends.
 */
export interface RequestBudget {
  /**
   * Waits until one request for `purpose` may be sent, and counts it as spent. Rejects with the signal's reason
   * when `signal` aborts while waiting. May resolve to a function the caller calls once the answer has come (or the
   * request failed): the spend then counts from that moment, when the server has surely counted it, not from when it
   * was granted (a request can wait for a pooled connection before it leaves).
   */
  take(purpose: RequestPurpose, signal?: AbortSignal): Promise<(() => void) | void>;
  /** The CRM answered 429 (with `Retry-After` when it sent one): spend less until the window has passed. */
  rateLimited(retryAfterMs: number | undefined): void;
}
