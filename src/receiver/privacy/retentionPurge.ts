import type { Logger } from '../observability/logger';
import type { PersonalDataStore, RetentionPurgeResult } from '../store/ports/personalDataStore';

const DAY_MS = 24 * 3600 * 1000;

export interface RetentionPurgeOptions {
  store: PersonalDataStore;
  /**
   * Days a delivered payload is kept after its delivery. 0: removed by the first purge after delivery (within one
   * interval).
   */
  retentionDays: number;
  logger: Logger;
  /** How often to purge. Default one hour. */
  intervalMs?: number | undefined;
  now?: (() => Date) | undefined;
}

/**
 * Removes the personal data of delivered meetings once the retention time has passed since their delivery: once at
 * start, then every interval. Logs counts only. A failed run is logged and tried again at the next interval; the
 * purge is idempotent, so a run cut off by a stop or a crash loses nothing.
 */
export class RetentionPurge {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionPurgeResult | undefined> | undefined;

  constructor(private readonly options: RetentionPurgeOptions) {}

  start(): void {
    if (this.timer !== undefined) return;
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs ?? 3600 * 1000);
    this.timer.unref();
  }

  /** Purges now (unless a run is under way: then waits for it); undefined when the run failed. */
  async runOnce(): Promise<RetentionPurgeResult | undefined> {
    this.running ??= this.purge().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the schedule and waits for a run under way (the store is closed after this). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async purge(): Promise<RetentionPurgeResult | undefined> {
    const { store, retentionDays, logger } = this.options;
    const now = (this.options.now ?? (() => new Date()))();
    try {
      const result = await store.purgeDeliveredPayloads({
        deliveredBefore: new Date(now.getTime() - retentionDays * DAY_MS),
        now,
      });
      logger.info({ retentionDays, deliveries: result.deliveries, payloads: result.payloads }, 'retention purge done');
      return result;
    } catch (error) {
      logger.error({ err: error }, 'retention purge failed; it runs again at the next interval');
      return undefined;
    }
  }
}
