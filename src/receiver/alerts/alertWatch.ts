import type { CrmAvailability, CrmAvailabilityState } from '../deliver/crmAvailability';
import type { Logger } from '../observability/logger';
import type { PollStatus } from '../poll/dciPoller';
import type { AlertEvent } from './alertEvents';

/** Dead letters that mean the connection itself is lost, not one meeting. */
const CONNECTION_LOST_CODES: ReadonlySet<string> = new Set(['unauthorized', 'forbidden', 'schema_mismatch']);
/** DCI codes that mean the token is refused: alerted at once, not after ALERT_AFTER_MINUTES. */
const DCI_REFUSED: ReadonlySet<string> = new Set(['dci_unauthorized', 'dci_forbidden']);
/** At most one dead-letter alert per this long. */
export const DEAD_LETTER_WINDOW_MS = 15 * 60 * 1000;
/**
 * The first dead letter waits this long for others before it is alerted: a revoked key kills a burst within seconds,
 * and the alert says how many at once rather than "1" now and the rest a window later.
 */
export const DEAD_LETTER_GROUPING_MS = 60 * 1000;
/** How often the DCI poll's state is looked at. */
const DCI_CHECK_MS = 60_000;

export interface AlertWatchOptions {
  /** Where alerts go (the AlertSender). */
  send: (event: AlertEvent) => void;
  availability?: CrmAvailability | undefined;
  /** The DCI poll's state; undefined when the receiver does not poll DCI. */
  pollStatus?: (() => Promise<PollStatus>) | undefined;
  /** `ALERT_AFTER_MINUTES`: how long an outage (Lime's, or DCI's poll) lasts before it is alerted. */
  afterMs: number;
  deadLetterWindowMs?: number | undefined;
  /** How long the first dead letter waits for others (default DEAD_LETTER_GROUPING_MS). */
  deadLetterGroupingMs?: number | undefined;
  dciCheckMs?: number | undefined;
  logger: Logger;
  now?: (() => Date) | undefined;
}

/**
 * Turns what the receiver sees into alerts, once per event: the Lime connection lost (dead letters for a refused key,
 * a missing permission or a retired history type; again only after a delivery went through), a Lime outage longer
 * than `afterMs` and its end, dead letters grouped (the first waits a minute for others, then at most one alert
 * per window), and DCI's REST API refusing the
 * token or not answering the poll for longer than `afterMs` (only on the replica that polls) and its recovery.
 * The state is this process's own: each replica alerts for what it sees.
 */
export class AlertWatch {
  private readonly options: AlertWatchOptions;
  private connectionLost = false;
  private outageTimer: NodeJS.Timeout | undefined;
  private outageAlerted: { since: Date } | undefined;
  private deadLetters: Record<string, number> = {};
  private deadLetterCount = 0;
  private lastDeadLetterAlertAt: number | undefined;
  private deadLetterTimer: NodeJS.Timeout | undefined;
  private dciAlerted: string | undefined;
  private dciTimer: NodeJS.Timeout | undefined;
  private dciCheck: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(options: AlertWatchOptions) {
    this.options = options;
  }

  private get now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  start(): void {
    this.unsubscribe = this.options.availability?.onChange((state) => this.availabilityChanged(state));
    if (this.options.pollStatus) {
      this.dciTimer = setInterval(() => void this.checkDci(), this.options.dciCheckMs ?? DCI_CHECK_MS);
      this.dciTimer.unref();
    }
  }

  /** Stops watching; dead letters still waiting for their window are sent now. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    clearTimeout(this.outageTimer);
    clearInterval(this.dciTimer);
    clearTimeout(this.deadLetterTimer);
    await this.dciCheck;
    this.flushDeadLetters();
  }

  /** The delivery worker's `onSettled`: a delivery ended delivered or dead. */
  settled(settled: { result: 'delivered' | 'dead'; code?: string | undefined }): void {
    if (settled.result === 'delivered') {
      this.connectionLost = false;
      return;
    }
    const code = settled.code ?? 'unknown';
    if (CONNECTION_LOST_CODES.has(code) && !this.connectionLost) {
      this.connectionLost = true;
      this.options.send({ kind: 'connection_lost', code });
    }
    this.deadLetters[code] = (this.deadLetters[code] ?? 0) + 1;
    this.deadLetterCount += 1;
    if (this.deadLetterTimer !== undefined) return;
    // Sent after the grouping delay, and no sooner than a window after the last dead-letter alert.
    const windowMs = this.options.deadLetterWindowMs ?? DEAD_LETTER_WINDOW_MS;
    const groupingMs = this.options.deadLetterGroupingMs ?? DEAD_LETTER_GROUPING_MS;
    const nowMs = this.now.getTime();
    const sendAt = Math.max(nowMs + groupingMs, (this.lastDeadLetterAlertAt ?? -Infinity) + windowMs);
    this.deadLetterTimer = setTimeout(() => this.flushDeadLetters(), Math.max(0, sendAt - nowMs));
    this.deadLetterTimer.unref();
  }

  /** Looks at the DCI poll's state once (the timer calls it; tests may too). */
  checkDci(): Promise<void> {
    this.dciCheck ??= this.readDci()
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'reading the DCI poll state for alerts failed'),
      )
      .finally(() => (this.dciCheck = undefined));
    return this.dciCheck;
  }

  private flushDeadLetters(): void {
    clearTimeout(this.deadLetterTimer);
    this.deadLetterTimer = undefined;
    if (this.deadLetterCount === 0) return;
    this.options.send({ kind: 'dead_letters', count: this.deadLetterCount, byCode: this.deadLetters });
    this.deadLetters = {};
    this.deadLetterCount = 0;
    this.lastDeadLetterAlertAt = this.now.getTime();
  }

  private availabilityChanged(state: CrmAvailabilityState): void {
    if (state.kind === 'unavailable') {
      if (this.outageTimer !== undefined || this.outageAlerted !== undefined) return;
      const { since } = state;
      const waitMs = Math.max(0, since.getTime() + this.options.afterMs - this.now.getTime());
      this.outageTimer = setTimeout(() => {
        this.outageTimer = undefined;
        const current = this.options.availability?.state();
        if (current?.kind !== 'unavailable') return;
        this.outageAlerted = { since: current.since };
        this.options.send({ kind: 'outage', since: current.since, code: current.code });
      }, waitMs);
      this.outageTimer.unref();
      return;
    }
    clearTimeout(this.outageTimer);
    this.outageTimer = undefined;
    if (this.outageAlerted !== undefined) {
      this.options.send({ kind: 'outage_over', since: this.outageAlerted.since, until: this.now });
      this.outageAlerted = undefined;
    }
  }

  private async readDci(): Promise<void> {
    const status = await this.options.pollStatus?.();
    // Only the replica that polls judges the poll (every replica reads the same saved state).
    if (status === undefined || status.lease !== 'this replica') return;
    const last = status.state?.last;
    if (last === undefined) return;
    if (last.ok) {
      if (this.dciAlerted !== undefined) this.options.send({ kind: 'dci_recovered' });
      this.dciAlerted = undefined;
      return;
    }
    const code = last.error?.code ?? 'dci_unavailable';
    if (this.dciAlerted === code) return;
    if (DCI_REFUSED.has(code)) {
      this.dciAlerted = code;
      this.options.send({ kind: 'dci_failing', code });
      return;
    }
    const lastOk = status.state?.lastOkAt ?? status.state?.startedAt;
    const since = lastOk === undefined ? undefined : new Date(lastOk);
    if (since !== undefined && this.now.getTime() - since.getTime() < this.options.afterMs) return;
    if (this.dciAlerted !== undefined) return;
    this.dciAlerted = code;
    this.options.send({ kind: 'dci_failing', code, since });
  }
}
