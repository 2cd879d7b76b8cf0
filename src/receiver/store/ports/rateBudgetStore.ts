/** What a request to the CRM is for (the same names as the CRM port's `RequestPurpose`), in order of priority. */
export type BudgetPurpose = 'delivery' | 'probe' | 'sync';

/** A budget's configured size: at most `limit` requests in any `windowMs` (Lime Cloud: 3,000 in 300,000 ms). */
export interface BudgetWindow {
  /** The CRM origin the budget belongs to, e.g. `https://acme.lime-crm.com`. */
  origin: string;
  limit: number;
  windowMs: number;
  now: Date;
}

/** What a take got: one request counted as spent (`spendId` names it), or the time to ask again (none spent). */
export type BudgetTake = { taken: true; spendId: string } | { taken: false; retryAt: Date };

/** The budget as it stands, for the worker (how much room) and the metrics. */
export interface BudgetState {
  /** The limit in force: the configured one, or lower while a 429 holds it down. */
  limit: number;
  /** Requests spent in the window, by purpose (refused ones included: they count until they leave the window). */
  spent: Record<BudgetPurpose, number>;
  /** How many more requests a delivery could spend now. */
  free: number;
  /** When `free` is 0: when the next request may go. */
  freesAt?: Date | undefined;
  /** While a 429 holds the limit down: until when. */
  loweredUntil?: Date | undefined;
}

/**
 * A sliding-window request budget per CRM origin, shared by every process on the store (replicas behind one NAT
 * share the CRM's per-IP limit). Each take is atomic across processes: two replicas never both spend the last request.
 */
export interface RateBudgetStore {
  /**
   * Spends one request for `purpose` if the window has room for it, or answers when to ask again and spends none.
   * Deliveries may spend the whole limit; a sync waits while a delivery or a probe waits (a probe does not wait for
   * deliveries); a sync spends at most a third of the limit (`SYNC_SHARE`).
   */
  takeFromRateBudget(
    request: BudgetWindow & {
      purpose: BudgetPurpose;
      /**
       * When given, the time is read from it once the origin's row is locked, instead of `now`: the spend is stamped
       * when it was granted, not when it was asked for (a new pooled connection or another replica's lock can keep a
       * take waiting, and the server counts the request when it arrives).
       */
      clock?: (() => Date) | undefined;
    },
  ): Promise<BudgetTake>;
  /**
   * The CRM answered 429: the last request spent is marked refused, the limit is lowered to what the CRM let
   * through in the window until the window has passed (longer when it happens again right after), and nothing is
   * spent before `Retry-After` has passed.
   */
  recordRateLimited(request: BudgetWindow & { retryAfterMs?: number | undefined }): Promise<void>;
  /**
   * Moves spends to when their answers came (never earlier than they were): a spend counts from then, when the
   * server has surely counted the request, however long it waited for a connection before it left.
   */
  restampRateBudgetSpends(request: { origin: string; spends: ReadonlyArray<{ id: string; at: Date }> }): Promise<void>;
  /** Reads the budget without spending. */
  readRateBudget(request: BudgetWindow): Promise<BudgetState>;
}
