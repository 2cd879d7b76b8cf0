import type { RequestBudget } from '../../crm/requestBudget';
import type { Logger } from '../observability/logger';
import type { ReceiverMetrics } from '../observability/metrics';
import type { BudgetState, RateBudgetStore } from '../store/ports/rateBudgetStore';
import { SharedRequestBudget, type BudgetObserver, type RateLimit } from './sharedRequestBudget';

/**
 * Requests one delivery is assumed to spend before any was delivered here: confirm the candidates, read the data
 * model or our own notes, write a note. Real meetings spend more (a note per participant, reads in pages), so the
 * estimate then follows the mean `apiCalls` of the last `COST_SAMPLES` delivered attempts.
 */
export const REQUESTS_PER_DELIVERY = 4;
/** Delivered attempts the cost estimate averages over. */
const COST_SAMPLES = 50;

/** How many deliveries the budget has room for now, and when it has room again when it has none. */
export interface DeliveryRoom {
  deliveries: number;
  freesAt?: Date | undefined;
}

/**
 * The receiver's request budgets, one per CRM origin (`LIME_RATE_LIMIT` each), shared through the store by every
 * replica on it. The connector of the connection in effect spends the one of its origin.
 */
export class RateBudgets {
  private readonly budgets = new Map<string, SharedRequestBudget>();
  private latest: SharedRequestBudget | undefined;
  /** `apiCalls` of the last delivered attempts, newest last. */
  private readonly costs: number[] = [];

  constructor(
    private readonly options: {
      store: RateBudgetStore;
      limit: RateLimit;
      logger: Logger;
      observer?: BudgetObserver | undefined;
      now?: (() => Date) | undefined;
    },
  ) {}

  get limit(): RateLimit {
    return this.options.limit;
  }

  /** The budget of `baseUrl`'s origin (scheme, host and port: Lime counts per server, not per application path). */
  forBaseUrl(baseUrl: string): SharedRequestBudget {
    const origin = new URL(baseUrl.trim()).origin;
    let budget = this.budgets.get(origin);
    if (budget === undefined) {
      budget = new SharedRequestBudget({ ...this.options, origin });
      this.budgets.set(origin, budget);
    }
    this.latest = budget;
    return budget;
  }

  /** The budget of the connection built last (the one in effect), as it stands; undefined before any. */
  async state(): Promise<(BudgetState & { origin: string }) | undefined> {
    const budget = this.latest;
    return budget === undefined ? undefined : { ...(await budget.state()), origin: budget.origin };
  }

  /** A delivery was delivered with `apiCalls` requests: the cost estimate follows it. */
  delivered(apiCalls: number): void {
    if (!Number.isFinite(apiCalls) || apiCalls <= 0) return;
    this.costs.push(apiCalls);
    if (this.costs.length > COST_SAMPLES) this.costs.shift();
  }

  /** Requests one delivery is expected to spend: the recent mean, or `REQUESTS_PER_DELIVERY` before any. */
  requestsPerDelivery(): number {
    if (this.costs.length === 0) return REQUESTS_PER_DELIVERY;
    return this.costs.reduce((sum, cost) => sum + cost, 0) / this.costs.length;
  }

  /**
   * Room for deliveries in the budget in effect; undefined (no limit) before any connection is built. Rounded up: a
   * delivery that then waits for the rest is given back if its wait would pass its lease (`limitBudgetWait`).
   */
  async deliveryRoom(): Promise<DeliveryRoom | undefined> {
    const state = await this.state();
    if (state === undefined) return undefined;
    return { deliveries: Math.ceil(state.free / this.requestsPerDelivery()), freesAt: state.freesAt };
  }
}

/** The budget's events as the receiver's metrics count them. */
export function metricsObserver(metrics: Pick<ReceiverMetrics, 'budget'>): BudgetObserver {
  return {
    spent(purpose, waitedMs) {
      metrics.budget.requests.inc({ purpose });
      if (waitedMs > 0) metrics.budget.waitSeconds.inc({ purpose }, waitedMs / 1000);
    },
    rateLimited() {
      metrics.budget.rateLimited.inc();
    },
  };
}

/** A connector factory whose connectors spend the budget of their origin (unchanged when the budget is off). */
export function spendingBudget<O extends { baseUrl: string; budget?: RequestBudget | undefined }, C>(
  make: (options: O) => C,
  budgets: RateBudgets | undefined,
): (options: O) => C {
  return (options) =>
    make(budgets === undefined ? options : { ...options, budget: budgets.forBaseUrl(options.baseUrl) });
}
