import type { Logger } from '../observability/logger';
import type { TakenBack, WorkerRegistry } from '../store/ports/workerRegistry';

/** Beats a worker misses before it is presumed dead (heartbeat stores; SQLite knows at once). */
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
    const { store, workerId, logger } = this.options;
    const now = this.now;
    const previousBeatOk = this.lastBeatOk;
    try {
      await store.beatWorker({ workerId, now });
      this.lastBeatOk = true;
      this.lastBeatOkAt = now.getTime();
      this.silenced = false;
    } catch (error) {
      if (previousBeatOk) logger.error({ err: error }, 'the delivery worker could not say it runs');
      this.lastBeatOk = false;
      return undefined;
    }
    // A process whose own beats failed was likely cut off from the database like the others: their beats are old
    // because they could not beat either, not because they died. It looks again once it beat on time.
    if (!previousBeatOk && store.workerLiveness === 'heartbeat') return undefined;
    try {
      const taken = await store.takeBackAbandoned({
        workerId,
        now,
        silentForMs: SILENT_BEATS * this.options.intervalMs,
      });
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
