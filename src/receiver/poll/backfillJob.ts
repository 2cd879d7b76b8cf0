import { randomUUID } from 'node:crypto';
import { DciError, type DciApi } from '../../dci-api/dciApi';
import type { Logger } from '../observability/logger';
import type { ParticipantKeyer } from '../ingest/participantKeysIndex';
import type { DeliveryQueue } from '../store/ports/deliveryQueue';
import type { DeliveryReads } from '../store/ports/deliveryReads';
import type { JobLeases } from '../store/ports/jobLeases';
import { runBackfill } from './backfill';
import { DCI_WINDOW_MS } from './dciPoller';

/** The job (lease and saved state) a backfill runs under: one at a time across every replica on the store. */
export const BACKFILL_JOB = 'dci-backfill';

/** How long the lease lasts without renewal: a replica that dies mid-backfill frees it after this. */
const BACKFILL_LEASE_MS = 2 * 60_000;

/** The last backfill as the store keeps it (and the admin overview shows it): dates, counts and codes only. */
export interface BackfillState {
  /** The date asked for (ISO). */
  since: string;
  /** The date the walk goes back to: `since`, or 30 days ago when `since` was older. */
  from: string;
  /** True when `since` was older than DCI's 30-day window. */
  clipped: boolean;
  startedAt: string;
  /** Absent while it runs. */
  finishedAt?: string | undefined;
  result?: BackfillCounts | undefined;
  error?: { code: string; message: string } | undefined;
}

export interface BackfillCounts {
  pages: number;
  listed: number;
  /** New or changed conversations stored for delivery. */
  queued: number;
  /** Already held unchanged (delivered by webhook, poll or an earlier backfill): not written again. */
  unchanged: number;
  /** Conversations whose summary DCI has not made yet. */
  notReady: number;
  /** Conversations whose REST copy does not pass the payload contract. */
  invalid: number;
}

export type BackfillStart = 'started' | 'running' | 'off';

export interface BackfillJobOptions {
  store: Pick<DeliveryQueue, 'acceptSummary'> & Pick<DeliveryReads, 'heldPayloads'> & JobLeases;
  /** The REST client in effect; undefined while no DCI API URL and token are configured. */
  api: () => DciApi | undefined;
  target: string;
  logger: Logger;
  /** Called when the backfill is done (the worker delivers what it stored). */
  onQueued: () => void;
  now?: (() => Date) | undefined;
  holder?: string | undefined;
  /** Makes each summary's participant lookup rows; absent: none are stored. */
  participantKeys?: ParticipantKeyer | undefined;
}

/**
 * A backfill started from the admin pages: runs `runBackfill` in the background of this process, under the store
 * lease `dci-backfill` (renewed while it runs), so a second start on any replica answers `running`. Its state —
 * dates and counts, never personal data — is saved in the store's job state for every replica's overview.
 */
export class BackfillJob {
  readonly holder: string;
  private readonly options: BackfillJobOptions;
  private running: Promise<void> | undefined;
  private starting = false;
  private readonly abort = new AbortController();

  constructor(options: BackfillJobOptions) {
    this.options = options;
    this.holder = options.holder ?? `backfill-${randomUUID()}`;
  }

  private now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  /** Starts a backfill of every conversation since `since`, unless one runs already (here or on another replica). */
  async start(since: Date): Promise<BackfillStart> {
    const api = this.options.api();
    if (api === undefined) return 'off';
    if (this.running !== undefined || this.starting || this.abort.signal.aborted) return 'running';
    // Set before the first await: a second start in this process would take the same (own) lease.
    this.starting = true;
    try {
      const { store } = this.options;
      const now = this.now();
      if (!(await store.takeLease({ name: BACKFILL_JOB, holder: this.holder, now, leaseMs: BACKFILL_LEASE_MS }))) {
        return 'running';
      }
      const oldest = now.getTime() - DCI_WINDOW_MS;
      const state: BackfillState = {
        since: since.toISOString(),
        from: new Date(Math.max(since.getTime(), oldest)).toISOString(),
        clipped: since.getTime() < oldest,
        startedAt: now.toISOString(),
      };
      // Saved before the walk starts, so the finished state is never overwritten by the started one.
      await this.save(state);
      const run = this.run(api, since, state)
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'DCI backfill failed unexpectedly'))
        .finally(() => {
          if (this.running === run) this.running = undefined;
        });
      this.running = run;
      return 'started';
    } finally {
      this.starting = false;
    }
  }

  /** The last backfill (running or finished), as saved in the store; undefined before the first. */
  async state(): Promise<BackfillState | undefined> {
    return readBackfillState((await this.options.store.readJobState(BACKFILL_JOB))?.state);
  }

  /** Shutdown: aborts a running backfill and waits until it has saved its state and released the lease. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async run(api: DciApi, since: Date, started: BackfillState): Promise<void> {
    const { store, logger } = this.options;
    // Renewed well inside its length: another replica may take it only once this one stopped renewing (died).
    const renew = setInterval(() => {
      void store
        .takeLease({ name: BACKFILL_JOB, holder: this.holder, now: this.now(), leaseMs: BACKFILL_LEASE_MS })
        .catch((error: unknown) => logger.warn({ err: error }, 'renewing the backfill lease failed'));
    }, BACKFILL_LEASE_MS / 4);
    renew.unref();
    let finished: BackfillState;
    try {
      const result = await runBackfill(
        {
          api,
          store,
          target: this.options.target,
          now: () => this.now(),
          participantKeys: this.options.participantKeys,
        },
        { since, signal: this.abort.signal },
      );
      finished = {
        ...started,
        finishedAt: this.now().toISOString(),
        result: {
          pages: result.pages,
          listed: result.listed,
          queued: result.queued,
          unchanged: result.unchanged,
          notReady: result.notReady.length,
          invalid: result.invalid,
        },
      };
      logger.info({ ...finished.result, clipped: finished.clipped }, 'DCI backfill finished');
    } catch (error) {
      const code = error instanceof DciError ? error.code : 'backfill_failed';
      const message =
        error instanceof DciError
          ? code === 'dci_aborted'
            ? 'The receiver shut down during the backfill; start it again.'
            : error.message
          : 'The backfill failed unexpectedly; the receiver log has the details.';
      if (!(error instanceof DciError)) logger.error({ err: error }, 'DCI backfill failed unexpectedly');
      else logger.warn({ code }, 'DCI backfill failed');
      finished = { ...started, finishedAt: this.now().toISOString(), error: { code, message } };
    } finally {
      clearInterval(renew);
    }
    await this.save(finished);
    await store.releaseLease({ name: BACKFILL_JOB, holder: this.holder }).catch(() => undefined);
    this.options.onQueued();
  }

  private async save(state: BackfillState): Promise<void> {
    const saved = await this.options.store
      .writeJobState({ name: BACKFILL_JOB, holder: this.holder, state, now: this.now() })
      .catch((error: unknown) => {
        this.options.logger.warn({ err: error }, 'saving the backfill state failed');
        return true;
      });
    if (!saved) this.options.logger.warn('the backfill lease was lost; its state was not saved');
  }
}

/** The saved state, read tolerantly (none, or one saved by another version: undefined). */
export function readBackfillState(saved: unknown): BackfillState | undefined {
  if (typeof saved !== 'object' || saved === null) return undefined;
  const state = saved as Partial<BackfillState>;
  if (typeof state.since !== 'string' || typeof state.startedAt !== 'string') return undefined;
  return {
    since: state.since,
    from: typeof state.from === 'string' ? state.from : state.since,
    clipped: state.clipped === true,
    startedAt: state.startedAt,
    finishedAt: typeof state.finishedAt === 'string' ? state.finishedAt : undefined,
    result: typeof state.result === 'object' && state.result !== null ? state.result : undefined,
    error: typeof state.error === 'object' && state.error !== null ? state.error : undefined,
  };
}
