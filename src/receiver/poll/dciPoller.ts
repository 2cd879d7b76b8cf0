import type { ParticipantKeyer } from '../ingest/participantKeysIndex';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DciError, type DciApi } from '../../dci-api/dciApi';
import type { Logger } from '../observability/logger';
import type { DeliveryQueue } from '../store/ports/deliveryQueue';
import type { DeliveryReads } from '../store/ports/deliveryReads';
import type { JobLeases } from '../store/ports/jobLeases';
import { storeConversations, walkConversations, type NotReady, type WalkDeps } from './walkConversations';

/** The job (lease and saved state) the poller runs under: one replica at a time. */
export const POLL_JOB = 'dci-poll';

/** DCI lists the last 30 days (shared/specs/dci-api.md §1.4). */
export const DCI_WINDOW_MS = 30 * 24 * 3600 * 1000;

/**
 * How far below the newest conversation already seen a regular poll still looks. DCI lists conversations by their
 * start [assumption: the order is not documented], and a long meeting may appear after a shorter, later one.
 */
export const POLL_OVERLAP_MS = 2 * 3600 * 1000;

/** How often a poll walks further back, to catch regenerated summaries and stragglers. */
export const FULL_WALK_MS = 6 * 3600 * 1000;

/**
 * How far back that walk goes (never before polling began). Not the whole 30 days: DCI counts every conversation a
 * list page names against the token's daily quota [assumption: how the quota counts is not documented], and four
 * walks a day of a busy month would spend it.
 */
export const FULL_WALK_HORIZON_MS = 48 * 3600 * 1000;

/** Not-ready conversations asked for one by one per poll, at most (each costs a request of the token's budget). */
const WAITING_PER_POLL = 10;

/** What the poller keeps in the store between polls (and what the admin overview shows). */
export interface PollState {
  /** When this receiver first polled: nothing older is taken (older conversations are for backfill). */
  startedAt: string;
  /** The newest conversation seen by a finished walk. */
  newest?: NotReady | undefined;
  waiting: NotReady[];
  lastFullWalkAt: string;
  last?: PollRecord | undefined;
  lastOkAt?: string | undefined;
}

/** One poll, counts and codes only. */
export interface PollRecord {
  at: string;
  ok: boolean;
  pages: number;
  listed: number;
  queued: number;
  unchanged: number;
  waiting: number;
  invalid: number;
  full: boolean;
  error?: { code: string; message: string } | undefined;
}

/** What the admin overview shows of polling. */
export interface PollStatus {
  intervalMs: number;
  /** Undefined before the first poll. */
  state?: PollState | undefined;
  /** Who holds the poll lease now: this process, another replica, or nobody (not polling, or its holder died). */
  lease: 'this replica' | 'another replica' | 'free';
}

export type PollOutcome =
  | { kind: 'off'; reason: string }
  /** Another replica holds the poll lease. */
  | { kind: 'standby' }
  | { kind: 'polled'; record: PollRecord };

export interface DciPollerOptions {
  store: Pick<DeliveryQueue, 'acceptSummary'> & Pick<DeliveryReads, 'heldPayloads'> & JobLeases;
  /** The REST client in effect (the token may be saved on the admin pages later). */
  api: () => DciApi | undefined;
  /** Whether the mode in effect polls (`poll` or `both`). */
  polling: () => boolean;
  target: string;
  intervalMs: number;
  logger: Logger;
  /** Called when a poll stored something, so the worker delivers it at once. */
  onQueued: () => void;
  now?: (() => Date) | undefined;
  holder?: string | undefined;
  /** Makes each summary's participant lookup rows; absent: none are stored. */
  participantKeys?: ParticipantKeyer | undefined;
}

/**
 * Polls DCI's REST API every `intervalMs` (outbound only: DCI never connects to the receiver), stores each new or
 * changed conversation through the durable accept path, and keeps its position in the store. With several replicas
 * on one database exactly one polls: the one holding the lease, taken over when its holder stops renewing it.
 */
export class DciPoller {
  readonly holder: string;
  private readonly options: DciPollerOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;
  /** Aborts a poll in flight on shutdown: a long walk must not hold the shutdown up. */
  private abort = new AbortController();

  constructor(options: DciPollerOptions) {
    this.options = options;
    this.holder = options.holder ?? `poller-${randomUUID()}`;
  }

  private now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  private get leaseMs(): number {
    return Math.max(3 * this.options.intervalMs, 60_000);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.abort = new AbortController();
    const tick = () => {
      if (this.stopped) return;
      this.running = this.pollOnce(this.abort.signal)
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'DCI poll failed unexpectedly'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.running;
    await this.options.store.releaseLease({ name: POLL_JOB, holder: this.holder }).catch(() => undefined);
  }

  /** One poll, now (the loop calls this; so do tests). */
  async pollOnce(signal?: AbortSignal): Promise<PollOutcome> {
    const { store, logger } = this.options;
    if (!this.options.polling()) return { kind: 'off', reason: 'DCI_MODE does not poll' };
    const api = this.options.api();
    if (api === undefined) return { kind: 'off', reason: 'no DCI API URL and token are configured' };
    const now = this.now();
    if (!(await store.takeLease({ name: POLL_JOB, holder: this.holder, now, leaseMs: this.leaseMs }))) {
      return { kind: 'standby' };
    }
    const state = readPollState((await store.readJobState(POLL_JOB))?.state, now);
    const full = now.getTime() - Date.parse(state.lastFullWalkAt) >= FULL_WALK_MS;
    const floor = Math.max(Date.parse(state.startedAt) - POLL_OVERLAP_MS, now.getTime() - FULL_WALK_HORIZON_MS);
    const stopBefore =
      full || state.newest === undefined ? floor : Math.max(floor, Date.parse(state.newest.date) - POLL_OVERLAP_MS);
    let leaseLost = false;
    const deps: WalkDeps = {
      api,
      store,
      target: this.options.target,
      source: 'poll',
      now: () => this.now(),
      signal,
      participantKeys: this.options.participantKeys,
      // A walk may outlast the lease (a busy account, a spent budget): it is renewed page by page, and the walk
      // stops when another replica has taken it over.
      onPage: async () => {
        const renewed = await store.takeLease({
          name: POLL_JOB,
          holder: this.holder,
          now: this.now(),
          leaseMs: this.leaseMs,
        });
        leaseLost = !renewed;
        return renewed;
      },
    };
    const record: PollRecord = {
      at: now.toISOString(),
      ok: true,
      pages: 0,
      listed: 0,
      queued: 0,
      unchanged: 0,
      waiting: 0,
      invalid: 0,
      full,
    };
    const next: PollState = { ...state };
    try {
      const walk = await walkConversations(deps, new Date(stopBefore));
      Object.assign(record, { pages: walk.pages, listed: walk.listed, queued: walk.queued });
      if (leaseLost) {
        logger.warn('the DCI poll lease was lost during a poll; another replica polls now');
        if (record.queued > 0) this.options.onQueued();
        return { kind: 'standby' };
      }
      Object.assign(record, { unchanged: walk.unchanged, invalid: walk.invalid });
      if (walk.newest && (!state.newest || Date.parse(walk.newest.date) > Date.parse(state.newest.date))) {
        next.newest = walk.newest;
      }
      if (full) next.lastFullWalkAt = now.toISOString();
      // Waiting conversations this walk listed were just seen: stored when ready, still waiting when not.
      const unseen = state.waiting.filter((entry) => !walk.seen.has(entry.id));
      next.waiting = [...(await this.askWaiting(deps, unseen, record, now)), ...walk.notReady];
      next.lastOkAt = now.toISOString();
    } catch (error) {
      if (!(error instanceof DciError)) throw error;
      record.ok = false;
      record.error = { code: error.code, message: error.message };
      logger.warn({ code: error.code, status: error.status }, 'DCI poll failed; the next poll tries again');
    }
    record.waiting = next.waiting.length;
    next.last = record;
    if (!(await store.writeJobState({ name: POLL_JOB, holder: this.holder, state: next, now: this.now() }))) {
      logger.warn('the DCI poll lease was lost during a poll; another replica polls now');
    }
    if (record.queued > 0) this.options.onQueued();
    if (record.ok) {
      logger.info({ pages: record.pages, queued: record.queued, waiting: record.waiting, full }, 'DCI polled');
    }
    return { kind: 'polled', record };
  }

  /** The saved poll state and who holds the poll lease, for the admin overview. */
  async status(): Promise<PollStatus> {
    const job = await this.options.store.readJobState(POLL_JOB);
    const now = this.now();
    const held = job?.holder !== undefined && job.heldUntil !== undefined && job.heldUntil.getTime() > now.getTime();
    return {
      intervalMs: this.options.intervalMs,
      state: job?.state === undefined || job.state === null ? undefined : readPollState(job.state, now),
      lease: !held ? 'free' : job.holder === this.holder ? 'this replica' : 'another replica',
    };
  }

  /** Asks for conversations listed before their summary was ready; keeps those still not ready and in the window. */
  private async askWaiting(deps: WalkDeps, waiting: NotReady[], record: PollRecord, now: Date): Promise<NotReady[]> {
    const inWindow = waiting.filter((entry) => now.getTime() - Date.parse(entry.date) < DCI_WINDOW_MS);
    const keep: NotReady[] = inWindow.slice(WAITING_PER_POLL);
    for (const entry of inWindow.slice(0, WAITING_PER_POLL)) {
      const conversation = await deps.api.getConversation(entry.id, deps.signal);
      if (conversation === undefined) continue;
      const counts = { queued: 0, unchanged: 0, notReady: [] as NotReady[], invalid: 0 };
      await storeConversations(deps, [conversation], counts);
      record.queued += counts.queued;
      record.invalid += counts.invalid;
      keep.push(...counts.notReady);
    }
    return keep;
  }
}

const notReadySchema = z.object({ id: z.string(), date: z.iso.datetime({ offset: true }) });
const instant = z.iso.datetime({ offset: true });

/** The saved state, read tolerantly: a value that is missing or not what this version writes starts afresh now. */
export function readPollState(saved: unknown, now: Date): PollState {
  const nowIso = now.toISOString();
  const schema = z.object({
    startedAt: instant.catch(nowIso),
    newest: notReadySchema.optional().catch(undefined),
    waiting: z.array(notReadySchema).catch([]),
    lastFullWalkAt: instant.catch(nowIso),
    last: z
      .custom<PollRecord>((value) => typeof value === 'object' && value !== null)
      .optional()
      .catch(undefined),
    lastOkAt: instant.optional().catch(undefined),
  });
  const parsed = schema.safeParse(typeof saved === 'object' && saved !== null ? saved : {});
  return parsed.success ? parsed.data : { startedAt: nowIso, waiting: [], lastFullWalkAt: nowIso };
}
