import type { CrmConnector } from '../../crm/crmConnector';
import { CrmError, type CrmErrorCode } from '../../crm/crmError';
import type { Logger } from '../observability/logger';

/**
 * Failures that say the CRM itself is out (down, unreachable, overloaded), not that one meeting is wrong: they open
 * the circuit. A TLS failure, a refused key or a malformed answer is not an outage: those go on as before.
 */
const OUTAGE_CODES: ReadonlySet<CrmErrorCode> = new Set<CrmErrorCode>([
  'dns_failed',
  'connection_refused',
  'connection_reset',
  'timeout',
  'network_error',
  'server_error',
  'rate_limited',
]);

/** The first probe after an outage starts, when the CRM sent no Retry-After. */
export const FIRST_PROBE_MS = 2_000;
/** Probes double their wait up to this (a Retry-After may ask for longer, up to PROBE_RETRY_AFTER_CAP_MS). */
export const PROBE_CAP_MS = 60_000;
/** The longest Retry-After a probe honours. */
export const PROBE_RETRY_AFTER_CAP_MS = 60 * 60 * 1000;
/** Deliveries remembered as suspects (see `deliveryFailed`); the oldest are forgotten beyond this. */
const MAX_SUSPECTS = 1_000;

/** Whether the CRM answers, as the delivery worker sees it (shown on the overview, /readyz and /metrics). */
export type CrmAvailabilityState =
  | { kind: 'available' }
  | {
      kind: 'unavailable';
      since: Date;
      /** The CrmError code that opened the circuit, then of the last failed probe. */
      code: string;
      status?: number | undefined;
      /** When the next probe goes; undefined while one is under way. */
      nextProbeAt?: Date | undefined;
      /** Probes that failed so far in this outage. */
      failedProbes: number;
    };

/** What the worker does with a delivery that failed: give it back uncounted (an outage), or count the attempt. */
export type OutageVerdict = 'release' | 'count';

export interface CrmAvailabilityOptions {
  /** The connection in effect (the one probed). */
  getConnector: () => CrmConnector | undefined;
  logger: Logger;
  /** The first probe's wait when the CRM sent no Retry-After; then doubling. Default FIRST_PROBE_MS. */
  firstProbeMs?: number | undefined;
  /** The longest wait between probes without Retry-After. Default PROBE_CAP_MS. */
  probeCapMs?: number | undefined;
  now?: (() => Date) | undefined;
}

/**
 * The outage circuit of one CRM connection. When a delivery fails in a way that is about the CRM (connection
 * errors, timeouts, 5xx, 429) the circuit opens: the worker stops claiming, and the deliveries that failed that way
 * are given back without counting the attempt. One probe at a time then asks the CRM whether it answers, after its
 * Retry-After or a wait that doubles from `firstProbeMs` to `probeCapMs`; the first answer closes the circuit and
 * tells the listeners (the worker wakes at once).
 *
 * A failure that only one meeting causes (a 500 on its data) would open the circuit, see the probe succeed at once,
 * and come round again forever without spending an attempt. So a delivery that opened (or failed during) an outage
 * that no probe confirmed is a suspect: its next outage-like failure counts as an attempt, as before the circuit
 * existed, and leaves the circuit closed. It stops being one when it is delivered. A 429 (`rate_limited`) is never
 * one meeting's fault: it makes no delivery a suspect, and always gives the attempt back.
 *
 * The state is this process's own: each replica learns of an outage from its own deliveries.
 */
export class CrmAvailability {
  private current: CrmAvailabilityState = { kind: 'available' };
  private readonly options: CrmAvailabilityOptions;
  private readonly listeners = new Set<(state: CrmAvailabilityState) => void>();
  /** The deliveries given back during the current outage. */
  private released = new Set<string>();
  private readonly suspects = new Set<string>();
  private delayMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly stopping = new AbortController();

  constructor(options: CrmAvailabilityOptions) {
    this.options = options;
  }

  private get now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  state(): CrmAvailabilityState {
    return this.current;
  }

  isAvailable(): boolean {
    return this.current.kind === 'available';
  }

  /** Calls `listener` on every change (opened, probe failed, closed); returns the unsubscribe. */
  onChange(listener: (state: CrmAvailabilityState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether `error` says the CRM is out, rather than that one request or meeting is wrong. */
  static isOutage(error: unknown): error is CrmError {
    return error instanceof CrmError && OUTAGE_CODES.has(error.code);
  }

  /**
   * A delivery attempt failed with `error`: opens the circuit when the failure is an outage, and says whether the
   * attempt is given back uncounted (`release`) or counted as usual (`count`).
   */
  deliveryFailed(deliveryId: string, error: unknown): OutageVerdict {
    if (this.stopping.signal.aborted || !CrmAvailability.isOutage(error)) return 'count';
    // Lime's rate limit is about every request, never one meeting's: no suspect is made or judged by it.
    const rateLimited = error.code === 'rate_limited';
    if (this.current.kind === 'unavailable') {
      if (!rateLimited) this.released.add(deliveryId);
      return 'release';
    }
    // Failed again right after an outage the probe did not confirm: the meeting, not the CRM.
    if (!rateLimited && this.suspects.has(deliveryId)) return 'count';
    this.released = rateLimited ? new Set() : new Set([deliveryId]);
    this.delayMs = this.options.firstProbeMs ?? FIRST_PROBE_MS;
    const waitMs = this.firstWait(error);
    this.current = {
      kind: 'unavailable',
      since: this.now,
      code: error.code,
      status: error.status,
      nextProbeAt: new Date(this.now.getTime() + waitMs),
      failedProbes: 0,
    };
    this.options.logger.warn({ code: error.code, status: error.status, probeInMs: waitMs }, 'CRM unavailable');
    this.schedule(waitMs);
    this.emit();
    return 'release';
  }

  /** A delivery went through: it is no suspect any more. */
  deliverySucceeded(deliveryId: string): void {
    this.suspects.delete(deliveryId);
  }

  /** Stops probing (shutdown). */
  stop(): void {
    this.stopping.abort();
    clearTimeout(this.timer);
  }

  private firstWait(error: CrmError): number {
    return error.retryAfterMs === undefined
      ? this.delayMs
      : Math.min(Math.max(error.retryAfterMs, 0), PROBE_RETRY_AFTER_CAP_MS);
  }

  private schedule(waitMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.probe(), waitMs);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    if (this.current.kind !== 'unavailable' || this.stopping.signal.aborted) return;
    this.current = { ...this.current, nextProbeAt: undefined };
    const connector = this.options.getConnector();
    let failure: unknown;
    try {
      // No connection (removed meanwhile) or none that can probe: the next delivery is the probe.
      if (connector?.probe) await connector.probe(this.stopping.signal);
    } catch (error) {
      failure = error;
    }
    if (this.stopping.signal.aborted) return;
    if (!CrmAvailability.isOutage(failure)) {
      // Any answer that is not an outage ends it: a rejected key or a missing type is for the deliveries to report.
      this.close(failure);
      return;
    }
    const { code, status, retryAfterMs } = failure;
    const failedProbes = this.current.kind === 'unavailable' ? this.current.failedProbes + 1 : 1;
    this.delayMs = Math.min(this.delayMs * 2, this.options.probeCapMs ?? PROBE_CAP_MS);
    const waitMs =
      retryAfterMs === undefined ? this.delayMs : Math.min(Math.max(retryAfterMs, 0), PROBE_RETRY_AFTER_CAP_MS);
    const since = this.current.kind === 'unavailable' ? this.current.since : this.now;
    this.current = {
      kind: 'unavailable',
      since,
      code,
      status,
      nextProbeAt: new Date(this.now.getTime() + waitMs),
      failedProbes,
    };
    this.options.logger.info({ code, status, failedProbes, probeInMs: waitMs }, 'CRM still unavailable');
    this.schedule(waitMs);
    this.emit();
  }

  private close(probeFailure: unknown): void {
    if (this.current.kind !== 'unavailable') return;
    const { since, failedProbes } = this.current;
    if (failedProbes === 0) {
      // No probe saw the outage: what opened the circuit may have been the meetings themselves.
      for (const deliveryId of this.released) this.suspects.add(deliveryId);
      for (const deliveryId of this.suspects) {
        if (this.suspects.size <= MAX_SUSPECTS) break;
        this.suspects.delete(deliveryId);
      }
    }
    this.released = new Set();
    this.current = { kind: 'available' };
    this.options.logger.info(
      {
        outageMs: this.now.getTime() - since.getTime(),
        failedProbes,
        ...(probeFailure instanceof CrmError ? { probeCode: probeFailure.code } : {}),
      },
      'CRM available again',
    );
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener(this.current);
      } catch (error) {
        this.options.logger.error({ err: error }, 'a CRM availability listener failed');
      }
    }
  }
}
