import type { CrmConnector } from '../crmConnector';
import { CrmError } from '../crmError';
import type { Logger } from '../observability/logger';
import type { ReceiverStore } from '../store/receiverStore';
import { syncContactIndex, updateContactIndex } from './syncContactIndex';

export interface ContactIndexKeeperOptions {
  store: ReceiverStore;
  /** The connector in effect now (it changes when an admin saves the connection). */
  connector: () => CrmConnector | undefined;
  target: string;
  defaultRegion: string;
  /** Full syncs: at start, after the connection changes and this often; 0 turns the index off. */
  syncMs: number;
  /** Incremental passes on the CRM's change time between full syncs; 0: full syncs only. */
  incrementalMs: number;
  logger: Logger;
}

/**
 * Keeps the local contact index fresh: full syncs, and between them incremental passes on the CRM's change time
 * (probed right after a full sync: a CRM that refuses the filter is kept to full syncs). One run at a time.
 */
export class ContactIndexKeeper {
  private running: Promise<void> | undefined;
  /** Whether the CRM answers incremental passes; undefined until probed. */
  private incremental: boolean | undefined;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: ContactIndexKeeperOptions) {}

  start(): void {
    const { syncMs, incrementalMs } = this.options;
    if (syncMs === 0) return;
    this.sync();
    this.timers.push(setInterval(() => this.sync(), syncMs));
    if (incrementalMs > 0) this.timers.push(setInterval(() => this.update(), incrementalMs));
    for (const timer of this.timers) timer.unref();
  }

  /** A new connection: probe again, sync now. */
  onConnectionChanged(): void {
    this.incremental = undefined;
    if (this.options.syncMs > 0) this.sync();
  }

  /** How the index is kept fresh, in words ('off' when it is off), for the overview. */
  mode(): string {
    const { syncMs, incrementalMs } = this.options;
    if (syncMs === 0) return 'off';
    const full = `a full sync at start and every ${Math.round(syncMs / 3600_000)} h`;
    if (incrementalMs === 0) return `${full} (incremental passes off); Lime webhooks are not used`;
    if (this.incremental === false) {
      return `${full} only: this Lime cannot filter on _timestamp; Lime webhooks are not used`;
    }
    return `${full}, and every ${Math.round(incrementalMs / 60_000)} min the persons Lime changed (its _timestamp)${
      this.incremental === undefined ? ' — not run yet' : ''
    }; Lime webhooks are not used`;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.running;
  }

  private sync(): void {
    const { store, target, defaultRegion, logger } = this.options;
    this.run(async (connector) => {
      const started = Date.now();
      try {
        const size = await syncContactIndex(store, connector, { target, defaultRegion, now: () => new Date() });
        if (size === undefined) return;
        logger.info({ size, ms: Date.now() - started }, 'contact index synced');
        // Probe the incremental pass right away, so the overview can say which mode is active.
        setImmediate(() => this.update());
      } catch (error) {
        logger.warn({ err: error }, 'contact index sync failed; matching stays live until the next sync');
      }
    });
  }

  private update(): void {
    const { store, target, defaultRegion, logger, incrementalMs } = this.options;
    if (incrementalMs === 0 || this.incremental === false) return;
    this.run(async (connector) => {
      try {
        const changed = await updateContactIndex(store, connector, { target, defaultRegion });
        if (changed === undefined) return;
        this.incremental = true;
        if (changed > 0) logger.info({ changed }, 'contact index updated');
      } catch (error) {
        if (error instanceof CrmError && error.code === 'bad_request') {
          this.incremental = false;
          logger.warn('Lime cannot filter on _timestamp: the contact index is refreshed by full syncs only');
        } else {
          logger.warn({ err: error }, 'contact index update failed; the next pass tries again');
        }
      }
    });
  }

  private run(work: (connector: CrmConnector) => Promise<void>): void {
    const connector = this.options.connector();
    if (this.running || !connector) return;
    this.running = work(connector).finally(() => {
      this.running = undefined;
    });
  }
}
