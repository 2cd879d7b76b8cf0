/**
 * What a CRM request is for: live deliveries, probes of an unavailable CRM (one request per probe interval, never held
 * back by deliveries waiting), and the contact-index sync, which goes last and may only spend a share of the budget.
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

/**
 * How long the requests sent under one signal (a delivery attempt's) may wait for the budget: until `at`, when the
 * attempt's lease runs out. A budget that would make one wait longer rejects it with `BudgetWaitTooLong` and sets
 * `exceeded`, and so does a wait the signal aborted after `at`: the attempt is then given back without counting,
 * since Lime's limit, not the meeting, held it up.
 */
export interface BudgetDeadline {
  readonly at: number;
  exceeded: boolean;
}

const deadlines = new WeakMap<AbortSignal, BudgetDeadline>();

/** Sets how long the requests sent under `signal` may wait for the budget (epoch ms). */
export function limitBudgetWait(signal: AbortSignal, at: number): BudgetDeadline {
  const deadline: BudgetDeadline = { at, exceeded: false };
  deadlines.set(signal, deadline);
  return deadline;
}

/** The budget deadline of `signal`, if one was set. */
export function budgetDeadlineOf(signal: AbortSignal | undefined): BudgetDeadline | undefined {
  return signal === undefined ? undefined : deadlines.get(signal);
}

/** A take rejected because the budget would only have room after the caller's deadline. */
export class BudgetWaitTooLong extends Error {
  readonly code = 'budget_wait';

  constructor(readonly mayGoAt: number) {
    super('The request budget has no room before the attempt would run out of its lease');
    this.name = 'BudgetWaitTooLong';
  }
}
