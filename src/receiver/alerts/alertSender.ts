import type { Logger } from '../observability/logger';
import { describeAlert, type AlertEvent, type AlertSeverity } from './alertEvents';
import { alertBody, type AlertFormat } from './alertFormats';

/** How long one POST to the alert webhook may take. */
const SEND_TIMEOUT_MS = 10_000;
/** Waits before the 2nd, 3rd and 4th try of a failed send. */
export const ALERT_RETRY_DELAYS_MS: readonly number[] = [2_000, 10_000, 60_000];
/** Alerts the overview shows. */
const RECENT = 20;

/** One alert as the overview shows it. */
export interface RecentAlert {
  at: Date;
  event: AlertEvent['kind'];
  severity: AlertSeverity;
  title: string;
  /** `sent`; `sending` (tries left); `failed` (every try failed; `error` says the last code); `off` (no URL). */
  state: 'sending' | 'sent' | 'failed' | 'off';
  tries: number;
  error?: string | undefined;
}

export interface AlertSenderOptions {
  /** The CRM in effect, named in the alerts' words (default Lime). */
  crm?: 'lime' | 'superoffice' | undefined;
  /** `ALERT_WEBHOOK_URL`: a secret (it carries the channel's token): never logged, never shown. Undefined: off. */
  webhookUrl?: string | undefined;
  format: AlertFormat;
  /** The admin overview's address, for the alert's link (RECEIVER_PUBLIC_URL + /admin), when known. */
  adminUrl?: string | undefined;
  logger: Logger;
  retryDelaysMs?: readonly number[] | undefined;
  now?: (() => Date) | undefined;
}

/**
 * Posts alerts to the alert webhook one at a time, in order, in the background: `send` returns at once and never
 * throws, so an alert never holds up or fails a delivery. A failed POST is tried again a few times, and logged by
 * its code only (the URL is a secret). The last alerts are kept for the overview, also when alerting is off.
 */
export class AlertSender {
  private readonly options: AlertSenderOptions;
  private readonly recentAlerts: RecentAlert[] = [];
  private queue: Promise<void> = Promise.resolve();
  private readonly stopping = new AbortController();

  constructor(options: AlertSenderOptions) {
    this.options = options;
  }

  get configured(): boolean {
    return this.options.webhookUrl !== undefined;
  }

  get format(): AlertFormat {
    return this.options.format;
  }

  /** The latest alerts, newest first. */
  recent(): readonly RecentAlert[] {
    return [...this.recentAlerts].reverse();
  }

  send(event: AlertEvent): void {
    const at = (this.options.now ?? (() => new Date()))();
    const words = describeAlert(event, this.options.crm);
    const entry: RecentAlert = {
      at,
      event: event.kind,
      severity: words.severity,
      title: words.title,
      state: this.configured ? 'sending' : 'off',
      tries: 0,
    };
    this.recentAlerts.push(entry);
    if (this.recentAlerts.length > RECENT) this.recentAlerts.shift();
    this.options.logger.info({ alert: event.kind, configured: this.configured }, 'alert raised');
    const url = this.options.webhookUrl;
    if (url === undefined) return;
    const body = JSON.stringify(alertBody(this.options.format, event, words, { at, adminUrl: this.options.adminUrl }));
    this.queue = this.queue.then(() => this.deliver(url, body, entry));
  }

  /**
   * Waits for the alerts under way (tests, shutdown). With `graceMs` (shutdown), what is not sent by then is given
   * up, retries included.
   */
  async settled(options: { graceMs?: number } = {}): Promise<void> {
    if (options.graceMs === undefined) {
      await this.queue;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.queue, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.graceMs)))]);
    clearTimeout(timer);
    this.stopping.abort();
    await this.queue;
  }

  private async deliver(url: string, body: string, entry: RecentAlert): Promise<void> {
    const delays = this.options.retryDelaysMs ?? ALERT_RETRY_DELAYS_MS;
    for (let attempt = 0; attempt <= delays.length; attempt += 1) {
      if (attempt > 0 && !(await this.pause(delays[attempt - 1] ?? 0))) break;
      entry.tries = attempt + 1;
      const error = await this.post(url, body);
      if (error === undefined) {
        entry.state = 'sent';
        entry.error = undefined;
        return;
      }
      entry.error = error;
      this.options.logger.warn(
        { alert: entry.event, code: error, tries: entry.tries, willRetry: attempt < delays.length },
        'sending an alert failed',
      );
    }
    entry.state = 'failed';
  }

  /** Undefined when the webhook took the alert; else a code (`http_<status>`, `timeout`, a socket error's code). */
  private async post(url: string, body: string): Promise<string | undefined> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(SEND_TIMEOUT_MS), this.stopping.signal]),
        redirect: 'error',
      });
      await response.body?.cancel().catch(() => undefined);
      return response.ok ? undefined : `http_${response.status}`;
    } catch (error) {
      // Only a code: the error's message or cause may name the URL, which is a secret.
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timeout';
      const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
      return typeof cause?.code === 'string' ? cause.code : 'network_error';
    }
  }

  private pause(ms: number): Promise<boolean> {
    if (this.stopping.signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(true), ms);
      this.stopping.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  }
}
