import {
  budgetDeadlineOf,
  BudgetWaitTooLong,
  type BudgetDeadline,
  type RequestBudget,
  type RequestPurpose,
} from '../../crm/requestBudget';
import type { Logger } from '../observability/logger';
import type { BudgetState, RateBudgetStore } from '../store/ports/rateBudgetStore';

/** A request budget's size: at most `requests` in any `windowMs` (`LIME_RATE_LIMIT`). */
export interface RateLimit {
  requests: number;
  windowMs: number;
}

/** What the budget tells the metrics. */
export interface BudgetObserver {
  /** A request of `purpose` was let through after waiting `waitedMs`. */
  spent(purpose: RequestPurpose, waitedMs: number): void;
  /** The CRM answered 429. */
  rateLimited(): void;
}

/**
 * The order in which waiting purposes are served when several may go: a probe first (one request per probe interval,
 * and a replica whose circuit is open must learn that Lime answers while deliveries drain a backlog), then
 * deliveries, then the sync, which goes only while no delivery or probe waits here.
 */
const PRIORITY: readonly RequestPurpose[] = ['probe', 'delivery', 'sync'];

/** How early by this clock an abort may come and still be the attempt's lease running out. */
const DEADLINE_SLACK_MS = 100;

interface Waiter {
  since: number;
  /** A delivery attempt's lease: the take is refused rather than served after it. */
  deadline?: BudgetDeadline | undefined;
  resolve(answered: () => void): void;
  reject(reason: unknown): void;
  detach(): void;
}

/**
 * The request budget of one CRM origin, kept in the store (`RateBudgetStore`) so that every replica on it spends
 * the same one. Within this process, callers queue by purpose and one take at a time asks the store (`PRIORITY`); a
 * purpose the store told to wait is asked again when it said. A delivery's take that could only go after its
 * attempt's deadline (`limitBudgetWait`) is refused at once with `BudgetWaitTooLong`.
 */
export class SharedRequestBudget implements RequestBudget {
  private readonly queues: Record<RequestPurpose, Waiter[]> = { delivery: [], probe: [], sync: [] };
  private readonly notBefore: Record<RequestPurpose, number> = { delivery: 0, probe: 0, sync: 0 };
  private pumping = false;
  private wakePump: (() => void) | undefined;
  /** Spends whose answers came, to be moved to then (`restampRateBudgetSpends`), written a few at a time. */
  private answered: Array<{ id: string; at: Date }> = [];
  private restampTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: {
      store: RateBudgetStore;
      origin: string;
      limit: RateLimit;
      logger: Logger;
      observer?: BudgetObserver | undefined;
      now?: (() => Date) | undefined;
    },
  ) {}

  get origin(): string {
    return this.options.origin;
  }

  private nowMs(): number {
    return (this.options.now ?? (() => new Date()))().getTime();
  }

  private window() {
    const { origin, limit } = this.options;
    return { origin, limit: limit.requests, windowMs: limit.windowMs, now: new Date(this.nowMs()) };
  }

  take(purpose: RequestPurpose, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<() => void>((resolve, reject) => {
      const queue = this.queues[purpose];
      const onAbort = () => {
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        // Still waiting for the budget when the attempt's lease ran out (a timer may fire a few ms early by this
        // clock): the budget held it up.
        if (index >= 0 && waiter.deadline !== undefined && this.nowMs() >= waiter.deadline.at - DEADLINE_SLACK_MS) {
          waiter.deadline.exceeded = true;
        }
        reject(signal?.reason);
        this.wakePump?.(); // nobody may be left to sleep for
      };
      const waiter: Waiter = {
        since: this.nowMs(),
        deadline: purpose === 'delivery' ? budgetDeadlineOf(signal) : undefined,
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
      this.refuseLateDeliveries();
      this.pump();
    });
  }

  /**
   * Refuses the waiting deliveries whose deadline comes before deliveries may go again (a 429's Retry-After, or the
   * store's answer): their attempts are given back rather than left to wait out their leases.
   */
  private refuseLateDeliveries(): void {
    const mayGoAt = this.notBefore.delivery;
    if (mayGoAt <= this.nowMs()) return;
    const queue = this.queues.delivery;
    for (const waiter of [...queue]) {
      if (waiter.deadline === undefined || waiter.deadline.at > mayGoAt) continue;
      queue.splice(queue.indexOf(waiter), 1);
      waiter.detach();
      waiter.deadline.exceeded = true;
      waiter.reject(new BudgetWaitTooLong(mayGoAt));
    }
    this.wakePump?.();
  }

  rateLimited(retryAfterMs: number | undefined): void {
    this.options.observer?.rateLimited();
    // This process stops at once; the store tells the other replicas.
    const until = this.nowMs() + (retryAfterMs ?? 0);
    for (const purpose of PRIORITY) this.notBefore[purpose] = Math.max(this.notBefore[purpose], until);
    this.refuseLateDeliveries();
    this.options.store
      .recordRateLimited({ ...this.window(), retryAfterMs })
      .catch((error: unknown) =>
        this.options.logger.error({ err: error }, 'recording a 429 in the rate budget failed'),
      );
    this.options.logger.warn(
      { origin: this.origin, retryAfterMs },
      'the CRM answered 429: the request budget is lowered',
    );
  }

  /** The budget as it stands (no request spent), less the deliveries already waiting here. */
  async state(): Promise<BudgetState> {
    const state = await this.options.store.readRateBudget(this.window());
    return { ...state, free: Math.max(0, state.free - this.queues.delivery.length) };
  }

  private pump(): void {
    if (this.pumping) {
      this.wakePump?.();
      return;
    }
    this.pumping = true;
    void this.serve().finally(() => {
      this.pumping = false;
      // A take that came in while the last await settled.
      if (PRIORITY.some((purpose) => this.queues[purpose].length > 0)) this.pump();
    });
  }

  private async serve(): Promise<void> {
    for (;;) {
      const next = this.next();
      if (next === undefined) return;
      const { purpose, waitMs } = next;
      if (waitMs > 0) {
        await this.sleep(waitMs);
        continue;
      }
      let result;
      try {
        const clock = () => new Date(this.nowMs());
        result = await this.options.store.takeFromRateBudget({ ...this.window(), purpose, clock });
      } catch (error) {
        // The store cannot count it: the request goes uncounted rather than failing as if Lime had. What needs the
        // store next (recording the delivery, the index) reports the store's own failure; the next waiter asks again.
        this.options.logger.warn(
          { err: error },
          'the rate budget could not be kept in the store; a request went uncounted',
        );
        const waiter = this.queues[purpose].shift();
        waiter?.detach();
        waiter?.resolve(() => {});
        continue;
      }
      if (!result.taken) {
        this.notBefore[purpose] = result.retryAt.getTime();
        if (purpose === 'delivery') this.refuseLateDeliveries();
        continue;
      }
      const waiter = this.queues[purpose].shift();
      if (waiter === undefined) continue; // aborted while the store answered: the request is spent, nobody sends it
      waiter.detach();
      this.options.observer?.spent(purpose, this.nowMs() - waiter.since);
      const { spendId } = result;
      waiter.resolve(() => this.restampLater(spendId));
      // Let the request go out before the next take: a spend is stamped when taken, and the server counts it when it
      // arrives. A store that works synchronously (SQLite) would otherwise stamp a burst of takes first and send
      // them all afterwards, later than their stamps say.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * The purpose to serve next (`PRIORITY`, among those whose store answer allows them now), or, when none may go yet,
   * the one that may go soonest and how long until then. The sync waits while a delivery or a probe waits here.
   */
  private next(): { purpose: RequestPurpose; waitMs: number } | undefined {
    const now = this.nowMs();
    let soonest: { purpose: RequestPurpose; waitMs: number } | undefined;
    for (const purpose of PRIORITY) {
      if (this.queues[purpose].length === 0) continue;
      if (purpose === 'sync' && soonest !== undefined) break;
      const waitMs = this.notBefore[purpose] - now;
      if (waitMs <= 0) return { purpose, waitMs: 0 };
      if (soonest === undefined || waitMs < soonest.waitMs) soonest = { purpose, waitMs };
    }
    return soonest;
  }

  /**
   * The answer to spend `id` came now: it counts from now. Written within a twentieth of the window (at most a
   * second), long before the spend could leave the window, and in one write for every answer meanwhile.
   */
  private restampLater(id: string): void {
    this.answered.push({ id, at: new Date(this.nowMs()) });
    if (this.restampTimer !== undefined) return;
    this.restampTimer = setTimeout(
      () => {
        this.restampTimer = undefined;
        const spends = this.answered;
        this.answered = [];
        this.options.store
          .restampRateBudgetSpends({ origin: this.origin, spends })
          .catch((error: unknown) =>
            this.options.logger.error({ err: error }, 'recording the CRM answers in the rate budget failed'),
          );
      },
      Math.min(1000, this.options.limit.windowMs / 20),
    );
    this.restampTimer.unref();
  }

  /** Until `ms` have passed, or a new take arrives (it may be of a purpose that can go now). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakePump = () => {
        this.wakePump = undefined;
        done();
      };
    });
  }
}
