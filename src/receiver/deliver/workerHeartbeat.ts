import type { Logger } from '../observability/logger';
import type { TakenBack, WorkerRegistry } from '../store/ports/workerRegistry';

/**
 * Beats a worker misses before it is presumed dead (heartbeat stores, each worker by its own interval, on the store's
 * clock; SQLite knows at once).
 */
export const SILENT_BEATS = 4;

export interface WorkerHeartbeatOptions {
  store: WorkerRegistry;
  /** The delivery worker this registers (DeliveryWorker.workerId). */
  workerId: string;
  /** How often the worker beats and looks for dead workers' deliveries. */
  intervalMs: number;
  logger: Logger;
  /** Told after deliveries were taken back, so the worker claims them now instead of at its next poll. */
  onTakenBack: () => void;
  /**
   * Told when this worker's own beats have not reached the store for `SILENT_BEATS - 1` intervals: the others are
   * about to presume it dead and take its deliveries back, so it must stop the attempts it has in flight before they
   * do, or two workers could write the same meeting's notes at once.
   */
  onSilent: () => void;
  /**
   * Told `true` when a beat failed or has hung for a whole interval (heartbeat stores only), and `false` when a beat
   * reached the store again: the worker claims nothing in between. Claims may still work on other connections while
   * the beats do not (a half-open connection), but the others judge this worker by its beats alone: what it claimed
   * would be taken back from under it.
   */
  onClaimsPaused?: ((paused: boolean) => void) | undefined;
  /** The worker's clock: when it beat last, for its own silence (the store judges others' silence on its own clock). */
  now?: (() => Date) | undefined;
}

/**
 * Keeps a delivery worker registered while it runs, and takes back the deliveries of workers that died (a receiver
 * killed mid-delivery, a replica gone): at start, so a restarted receiver resumes its predecessor's deliveries at
 * once, and at every beat, so a replica that dies while others run does not hold its deliveries for a whole lease.
 * Taken-back deliveries are claimed as expired leases: the next attempt looks in the CRM for notes already written.
 */
export class WorkerHeartbeat {
  private readonly options: WorkerHeartbeatOptions;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  /** Whether the last beat reached the store, and when one last did. */
  private lastBeatOk = true;
  private lastBeatOkAt: number | undefined;
  /** Whether onSilent was told since the last beat that reached the store. */
  private silenced = false;
  /** What onClaimsPaused was last told. */
  private claimsPaused = false;
  private stopped = false;

  constructor(options: WorkerHeartbeatOptions) {
    this.options = options;
  }

  /** Registers the worker and takes back what dead workers hold; then does both every interval. */
  async start(): Promise<void> {
    await this.beatOnce();
    if (this.stopped) return;
    this.timer = setInterval(() => {
      this.checkSilence();
      // The beat started an interval ago has not reached the store yet: as good as failed, for claiming.
      if (this.beating !== undefined) this.pauseClaims(true);
      this.beating ??= this.beatOnce()
        .then(() => undefined)
        .finally(() => (this.beating = undefined));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops beating and retires the worker: call after the worker stopped and gave its deliveries back. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.beating;
    try {
      await this.options.store.retireWorker(this.options.workerId);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'retiring the delivery worker failed');
    }
  }

  private get now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  /** Tells the worker to stop or resume claiming, where silence is death (see onClaimsPaused); once per change. */
  private pauseClaims(paused: boolean): void {
    if (this.options.store.workerLiveness !== 'heartbeat' || paused === this.claimsPaused) return;
    this.claimsPaused = paused;
    if (paused) this.options.logger.warn('the delivery worker claims nothing until it can say it runs again');
    else this.options.logger.info('the delivery worker could say it runs again: it claims again');
    this.options.onClaimsPaused?.(paused);
  }

  /** A beat that hangs (a lost connection) counts as failed as much as one that throws. */
  private checkSilence(): void {
    const { intervalMs, logger } = this.options;
    // Only where silence is death: a process lock says this process runs, whatever its beats.
    if (this.options.store.workerLiveness !== 'heartbeat') return;
    if (this.silenced || this.lastBeatOkAt === undefined) return;
    if (this.now.getTime() - this.lastBeatOkAt < (SILENT_BEATS - 1) * intervalMs) return;
    this.silenced = true;
    logger.error(
      { silentMs: this.now.getTime() - this.lastBeatOkAt },
      'the delivery worker could not say it runs for too long: its attempts in flight are stopped',
    );
    this.options.onSilent();
  }

  /**
   * One beat, then a look for dead workers' deliveries (what start's timer runs): what was taken back, or undefined
   * when the beat failed or came after a failed one (no look then).
   */
  async beatOnce(): Promise<TakenBack | undefined> {
    const { store, workerId, logger, intervalMs } = this.options;
    const now = this.now;
    const previousBeatOk = this.lastBeatOk;
    try {
      await store.beatWorker({ workerId, now, intervalMs });
      this.lastBeatOk = true;
      this.lastBeatOkAt = now.getTime();
      this.silenced = false;
      this.pauseClaims(false);
    } catch (error) {
      if (previousBeatOk) logger.error({ err: error }, 'the delivery worker could not say it runs');
      this.lastBeatOk = false;
      this.pauseClaims(true);
      return undefined;
    }
    // A process whose own beats failed was likely cut off from the database like the others: their beats are old
    // because they could not beat either, not because they died. It looks again once it beat on time.
    if (!previousBeatOk && store.workerLiveness === 'heartbeat') return undefined;
    try {
      const taken = await store.takeBackAbandoned({ workerId, now, silentBeats: SILENT_BEATS });
      if (taken.workers.length === 0) return taken;
      logger.warn(
        { deadWorkers: taken.workers, deliveries: taken.deliveryIds.length, liveness: store.workerLiveness },
        'deliveries of stopped workers taken back',
      );
      if (taken.deliveryIds.length > 0) this.options.onTakenBack();
      return taken;
    } catch (error) {
      logger.error({ err: error }, 'taking back the deliveries of stopped workers failed');
      return undefined;
    }
  }
}
