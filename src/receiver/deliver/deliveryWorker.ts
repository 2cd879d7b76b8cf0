import { crmDisplayName } from '../config/crmInEffect';
import { randomUUID } from 'node:crypto';
import { countNoun } from '../../core/countNoun';
import {
  meetingOutcome,
  parseSummaryPayload,
  participantOutcomeCategory,
  type MeetingSummary,
  type ParticipantOutcome,
} from '../../core';
import type { CrmConnector, DeliverOptions } from '../../crm/crmConnector';
import { limitBudgetWait } from '../../crm/requestBudget';
import type { ParticipantKeyer } from '../ingest/participantKeysIndex';
import type { ParticipantKeyStore } from '../store/ports/participantKeys';
import type { Logger } from '../observability/logger';
import type { ReceiverMetrics } from '../observability/metrics';
import type { EnrichDelivery } from '../enrich/enrichPayload';
import type { ContactIndexStore } from '../store/ports/contactIndexStore';
import type { AttemptRecord, ClaimedDelivery, DeliveryQueue, EnrichmentRecord } from '../store/ports/deliveryQueue';
import type { DeliveryDetail, DeliveryReads } from '../store/ports/deliveryReads';
import { backoffDelayMs } from './backoff';
import { classifyFailure, type FailureContext, type FailureDecision } from './classifyFailure';
import type { CrmAvailability } from './crmAvailability';

export interface DeliveryWorkerOptions {
  store: DeliveryQueue & DeliveryReads & ContactIndexStore;
  /** The CRM connection, or undefined while none is configured: deliveries then wait ("awaiting connection"). */
  getConnector: () => CrmConnector | undefined;
  /**
   * How to deliver (internal domains, create contacts …): fixed, or read for every delivery, so a change saved on
   * the admin pages applies to the next one.
   */
  deliverOptions: Omit<DeliverOptions, 'signal'> | (() => Omit<DeliverOptions, 'signal'>);
  logger: Logger;
  metrics?: ReceiverMetrics | undefined;
  /**
   * Completes a payload from DCI's REST API before matching (links, notes, end time, phones); undefined: payloads
   * go as received.
   */
  enrich?: EnrichDelivery | undefined;
  /**
   * How many deliveries the CRM's request budget has room for now, and when it has room again when none (undefined:
   * no budget). The worker claims no more than that; a claimed delivery whose wait for the budget would still pass
   * 80 % of its lease is given back without counting (`budget_wait`).
   */
  /**
   * Re-keys a delivery's participant lookup rows after DCI's REST API added to its payload (numbers, participants the
   * webhook lacked), so a search or re-matching by them finds it; absent: the rows stay as accepted.
   */
  participantKeys?: { keyer: ParticipantKeyer; store: Pick<ParticipantKeyStore, 'replaceParticipantKeys'> } | undefined;
  /** Which CRM (and SuperOffice's way of signing in) a failure's advice is worded for; default Lime. */
  failureContext?: (() => FailureContext) | undefined;
  /**
   * The CRM this worker delivers to (`CRM`): it claims only that target's deliveries, so the other CRM's, queued
   * before a switch, wait for it instead of going to the wrong CRM. Undefined: every delivery (older callers).
   */
  target?: string | undefined;
  budgetRoom?: (() => Promise<{ deliveries: number; freesAt?: Date | undefined } | undefined>) | undefined;
  /** Deliveries in flight at once. */
  concurrency: number;
  maxAttempts: number;
  /** A delivery whose first payload is older than this is not retried any more. */
  maxAgeMs: number;
  /** How long a claim is ours; an expired lease is reclaimed by any worker (a crashed receiver's work). */
  leaseMs?: number | undefined;
  /** How often to look for due work when nothing woke the worker. */
  pollMs?: number | undefined;
  /** On shutdown, how long in-flight deliveries may finish before they are aborted and given back. */
  shutdownGraceMs?: number | undefined;
  now?: (() => Date) | undefined;
  random?: (() => number) | undefined;
  workerId?: string | undefined;
  /**
   * The CRM's outage circuit: while it is open nothing is claimed, and an attempt that failed because the CRM is
   * out is given back without counting; it closing wakes the worker. Undefined: every failure counts (backoff only).
   */
  availability?: CrmAvailability | undefined;
  /**
   * Told of every delivery that ended delivered (with the requests it spent: the budget's cost estimate) or dead
   * (alerts count dead letters): codes only.
   */
  onSettled?:
    | ((settled: { result: 'delivered' | 'dead'; code?: string | undefined; apiCalls?: number | undefined }) => void)
    | undefined;
}

/**
 * Claims due deliveries under a lease, delivers each through the CRM connector, and records the outcome: delivered,
 * retrying at a backoff time, or dead with a reason. Never sleeps for a retry in-process: the store holds the
 * next attempt time, so a restart loses no schedule.
 */
export class DeliveryWorker {
  readonly workerId: string;
  private readonly options: DeliveryWorkerOptions;
  private readonly inFlight = new Map<string, { promise: Promise<void>; abort: AbortController }>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;
  private budgetTimer: NodeJS.Timeout | undefined;
  private claimsPaused = false;

  constructor(options: DeliveryWorkerOptions) {
    this.options = options;
    this.workerId = options.workerId ?? `worker-${randomUUID()}`;
    options.availability?.onChange((state) => state.kind === 'available' && this.wake());
  }

  private get now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Look for due work now (ingest calls this after storing a summary). */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  /** Stops claiming, lets in-flight deliveries finish within the grace time, then aborts and gives back the rest. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    const grace = this.options.shutdownGraceMs ?? 10_000;
    const all = Promise.all([...this.inFlight.values()].map((entry) => entry.promise));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), grace))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      for (const entry of this.inFlight.values()) entry.abort.abort();
      await all;
    }
  }

  /**
   * Stops the attempts in flight, which give their deliveries back (WorkerHeartbeat's onSilent: a worker that cannot
   * say it runs is about to be presumed dead, and must not still be writing when another takes its deliveries).
   */
  abortInFlight(): void {
    for (const entry of this.inFlight.values()) entry.abort.abort();
  }

  /**
   * Stops claiming until told otherwise (WorkerHeartbeat's onClaimsPaused: the worker cannot say it runs, so what it
   * claimed could be taken back from under it); a claim that returns after the pause gives its deliveries back.
   */
  pauseClaims(paused: boolean): void {
    this.claimsPaused = paused;
    if (!paused) this.wake();
  }

  /**
   * Claims and delivers everything due now, once (no loop): for tests and the CLI. Returns how many deliveries it
   * processed.
   */
  async drainOnce(): Promise<number> {
    const claimed = await this.claim(this.options.concurrency);
    await Promise.all(claimed.map((delivery) => this.process(delivery, new AbortController())));
    return claimed.length;
  }

  private async run(): Promise<void> {
    const pollMs = this.options.pollMs ?? 1000;
    while (this.running) {
      this.pendingWake = false;
      const free = this.options.concurrency - this.inFlight.size;
      if (free > 0) {
        try {
          for (const delivery of await this.claim(free)) this.spawn(delivery);
        } catch (error) {
          this.options.logger.error({ err: error }, 'claiming due deliveries failed');
        }
      }
      if (!this.running) break;
      if (this.pendingWake && this.inFlight.size < this.options.concurrency) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private currentDeliverOptions(): Omit<DeliverOptions, 'signal'> {
    const { deliverOptions } = this.options;
    return typeof deliverOptions === 'function' ? deliverOptions() : deliverOptions;
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? 5 * 60 * 1000;
  }

  /** The contact index as a candidate source for the connector; undefined while no index is synced. */
  private async contactIndexSource(target: string): Promise<DeliverOptions['findIndexedCandidates']> {
    const { store } = this.options;
    if ((await store.contactIndexState(target)).size === 0) return undefined;
    return (keys) => store.findContactCandidates(target, keys);
  }

  /** The lookup rows of the enriched summary; a failure is logged and never fails the delivery. */
  private async rekey(delivery: ClaimedDelivery, summary: MeetingSummary, log: Logger): Promise<void> {
    const keys = this.options.participantKeys;
    if (keys === undefined) return;
    try {
      await keys.store.replaceParticipantKeys({
        deliveryId: delivery.deliveryId,
        eventId: delivery.eventId,
        keys: keys.keyer.keysOf(summary),
      });
    } catch (error) {
      log.warn({ err: error }, 'the participant lookup rows of the enriched payload were not stored');
    }
  }

  private async knownNotes(deliveryId: string) {
    return knownNotesOf(await this.options.store.getDelivery(deliveryId));
  }

  private crmName(): string {
    return crmDisplayName(this.options.failureContext?.().crm);
  }

  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    if (this.claimsPaused) return [];
    if (this.options.getConnector() === undefined) return [];
    if (this.options.availability?.isAvailable() === false) return [];
    const room = await this.budgetRoom(limit);
    if (room === 0) return [];
    return this.options.store.claimDue({
      workerId: this.workerId,
      now: this.now,
      limit: room,
      leaseMs: this.leaseMs,
      target: this.options.target,
    });
  }

  /** At most `limit`, no more than the request budget has room for; with none, a wake-up when it has. */
  private async budgetRoom(limit: number): Promise<number> {
    const room = await this.options.budgetRoom?.();
    if (room === undefined) return limit;
    if (room.deliveries === 0 && room.freesAt !== undefined && this.budgetTimer === undefined) {
      this.budgetTimer = setTimeout(
        () => {
          this.budgetTimer = undefined;
          this.wake();
        },
        Math.max(0, room.freesAt.getTime() - this.now.getTime()),
      );
      this.budgetTimer.unref();
    }
    return Math.min(limit, room.deliveries);
  }

  private spawn(delivery: ClaimedDelivery): void {
    const abort = new AbortController();
    if (this.claimsPaused) abort.abort();
    const promise = this.process(delivery, abort).finally(() => {
      this.inFlight.delete(delivery.deliveryId);
      // A slot is free: there may be more due work.
      this.wake();
    });
    this.inFlight.set(delivery.deliveryId, { promise, abort });
  }

  /** The metrics of a delivered meeting: what it came to, its participants' outcomes, its time to note. */
  private countSettled(delivery: ClaimedDelivery, outcomes: readonly ParticipantOutcome[]): void {
    const { metrics } = this.options;
    if (!metrics) return;
    const outcome = meetingOutcome(outcomes);
    metrics.settled.inc({ outcome });
    for (const participant of outcomes) {
      const category = participantOutcomeCategory(
        participant.outcome,
        participant.matchedBy,
        participant.companyId !== undefined,
      );
      metrics.participantOutcomes.inc({ outcome: category });
    }
    if (outcome === 'delivered') {
      metrics.timeToNote.observe(Math.max(0, this.now.getTime() - delivery.firstReceivedAt.getTime()) / 1000);
    }
  }

  private async process(delivery: ClaimedDelivery, abort: AbortController): Promise<void> {
    const { store, metrics } = this.options;
    const log = this.options.logger.child({
      deliveryId: delivery.deliveryId,
      conversationId: delivery.conversationId,
      attempt: delivery.attempt,
    });
    const startedAt = this.now;
    const base = { deliveryId: delivery.deliveryId, workerId: this.workerId, version: delivery.version };
    const attemptOf = (outcome: AttemptRecord['outcome'], extra: Partial<AttemptRecord> = {}): AttemptRecord => ({
      attempt: delivery.attempt,
      startedAt,
      durationMs: Math.max(0, this.now.getTime() - startedAt.getTime()),
      outcome,
      ...extra,
    });
    const connector = this.options.getConnector();
    try {
      if (!connector) {
        await store.releaseDelivery({ deliveryId: delivery.deliveryId, workerId: this.workerId, now: this.now });
        return;
      }
      const payload = parseJson(delivery.rawBody);
      const parsed = parseSummaryPayload(payload);
      let failure: unknown;
      let report;
      let enrichment: EnrichmentRecord | undefined;
      // An attempt must end before its lease does, or another worker takes the delivery over while this one still
      // writes: stop it at 80 % of the lease and retry later. Its requests may wait for Lime's budget until then.
      let overran = false;
      const overrunMs = Math.max(1000, this.leaseMs * 0.8);
      const budgetDeadline = limitBudgetWait(abort.signal, startedAt.getTime() + overrunMs);
      const overrun = setTimeout(() => {
        overran = true;
        abort.abort();
      }, overrunMs);
      if (parsed.ok) {
        try {
          let summary = parsed.summary;
          const enriched = this.options.enrich
            ? await this.options.enrich(payload as Record<string, unknown>, summary, {
                firstReceivedAt: delivery.firstReceivedAt,
                signal: abort.signal,
              })
            : undefined;
          if (enriched?.kind === 'wait') {
            failure = enriched.error;
          } else {
            if (enriched) ({ summary, record: enrichment } = enriched);
            if (enrichment !== undefined && enrichment.added.length > 0) await this.rekey(delivery, summary, log);
            const findIndexedCandidates = await this.contactIndexSource(delivery.target);
            report = await connector.deliver(summary, {
              ...this.currentDeliverOptions(),
              ...(await this.knownNotes(delivery.deliveryId)),
              ...(findIndexedCandidates === undefined ? {} : { findIndexedCandidates }),
              signal: abort.signal,
            });
          }
        } catch (error) {
          failure = error;
        } finally {
          clearTimeout(overrun);
        }
      } else {
        clearTimeout(overrun);
      }
      metrics?.attemptDuration.observe((this.now.getTime() - startedAt.getTime()) / 1000);

      if (report) {
        const result = await store.completeDelivery({
          ...base,
          attempt: attemptOf('delivered', { apiCalls: report.apiCalls }),
          outcomes: report.outcomes,
          enrichment,
          now: this.now,
        });
        metrics?.deliveries.inc({ outcome: result });
        if (result === 'delivered') this.countSettled(delivery, report.outcomes);
        this.options.availability?.deliverySucceeded(delivery.deliveryId);
        if (result === 'delivered') this.options.onSettled?.({ result, apiCalls: report.apiCalls });
        log.info(
          { result, apiCalls: report.apiCalls, participants: report.outcomes.length, enrichment: enrichment?.state },
          'delivery attempt finished',
        );
        return;
      }
      if (!parsed.ok) {
        // Validated at ingest; only a contract change between versions gets here. Waiting will not help.
        const attempt = attemptOf('dead', {
          errorCode: 'invalid_payload',
          errorMessage: `The stored payload no longer passes validation (${countNoun(parsed.issues.length, 'issue')}); it cannot be delivered.`,
        });
        const result = await store.deadLetterDelivery({ ...base, attempt, now: this.now });
        metrics?.deliveries.inc({ outcome: result });
        if (result === 'dead') metrics?.settled.inc({ outcome: 'dead' });
        if (result === 'dead') this.options.onSettled?.({ result, code: 'invalid_payload' });
        log.warn({ code: 'invalid_payload' }, 'delivery dead-lettered');
        return;
      }

      if (budgetDeadline.exceeded) {
        // Lime's request budget had no room before the lease ran out: its limit, not the meeting, held the attempt
        // up. Stop what is left of it and give it back uncounted; the next attempt looks for notes it wrote.
        abort.abort();
        await store.releaseDelivery({
          deliveryId: delivery.deliveryId,
          workerId: this.workerId,
          now: this.now,
          reason: BUDGET_WAIT,
        });
        metrics?.deliveries.inc({ outcome: 'released' });
        log.info('delivery given back: the request budget has no room before its lease runs out');
        return;
      }
      const decision: FailureDecision = overran
        ? {
            retry: true,
            code: 'attempt_timeout',
            message: `The attempt ran past ${Math.round((this.leaseMs * 0.8) / 1000)} s (80 % of the lease) and was stopped; it will be retried.`,
            giveUpAdvice: `${this.crmName()} answered too slowly for the lease: check that ${this.crmName()} is up and quick, or raise LEASE_SECONDS; then requeue it from Dead letters.`,
          }
        : classifyFailure(failure, this.options.failureContext?.());
      if ('release' in decision) {
        await store.releaseDelivery({ deliveryId: delivery.deliveryId, workerId: this.workerId, now: this.now });
        metrics?.deliveries.inc({ outcome: 'released' });
        log.info('delivery given back on shutdown');
        return;
      }
      if (
        decision.retry &&
        !overran &&
        this.options.availability?.deliveryFailed(delivery.deliveryId, failure) === 'release'
      ) {
        const reason = {
          code: 'crm_unavailable',
          message: `${this.crmName()} was unavailable (${decision.code}${decision.status === undefined ? '' : `, ${decision.status}`}): the attempt was given back without counting, to be tried when ${this.crmName()} answers again.`,
        };
        await store.releaseDelivery({
          deliveryId: delivery.deliveryId,
          workerId: this.workerId,
          now: this.now,
          reason,
        });
        metrics?.deliveries.inc({ outcome: 'released' });
        log.info({ code: decision.code, status: decision.status }, 'delivery given back: the CRM is unavailable');
        return;
      }
      const details = { errorCode: decision.code, errorMessage: decision.message, crmStatus: decision.status };
      const tooOld = this.now.getTime() - delivery.firstReceivedAt.getTime() >= this.options.maxAgeMs;
      const exhausted = delivery.attempt >= this.options.maxAttempts || tooOld;
      if (decision.retry && !exhausted) {
        const delayMs = backoffDelayMs(delivery.attempt, (this.options.random ?? Math.random)(), decision.delayMs);
        const result = await store.retryDelivery({
          ...base,
          attempt: attemptOf('retry', details),
          nextAttemptAt: new Date(this.now.getTime() + delayMs),
          now: this.now,
        });
        metrics?.deliveries.inc({ outcome: result === 'retrying' ? 'retry' : result });
        log.warn(
          { code: decision.code, status: decision.status, delayMs, result },
          'delivery attempt failed; will retry',
        );
        return;
      }
      const message = decision.retry
        ? `Gave up after ${countNoun(delivery.attempt, 'attempt')}${tooOld ? ' (too old)' : ''}: ${decision.message.replace(/\.$/u, '')}. ${decision.giveUpAdvice}`
        : decision.message;
      const result = await store.deadLetterDelivery({
        ...base,
        attempt: attemptOf('dead', { ...details, errorMessage: message }),
        now: this.now,
      });
      metrics?.deliveries.inc({ outcome: result });
      if (result === 'dead') metrics?.settled.inc({ outcome: 'dead' });
      if (result === 'dead') this.options.onSettled?.({ result, code: decision.code });
      log.warn({ code: decision.code, status: decision.status, result }, 'delivery dead-lettered');
    } catch (error) {
      // The store itself failed: the lease will expire and another attempt will pick the delivery up.
      log.error({ err: error }, 'recording the delivery attempt failed');
    }
  }
}

/** The attempt log's entry for an attempt given back because Lime's request budget had no room in time. */
const BUDGET_WAIT = {
  code: 'budget_wait',
  message:
    "Lime's request limit left no room for this attempt before its lease ran out: it was given back without counting; the next attempt looks for notes it may have written.",
};

/**
 * The notes earlier attempts recorded for this delivery, and whether that record is complete: it is when there was
 * no earlier attempt or the last one finished and recorded its outcomes. After a crash or a failure half-way it is
 * not, and the connector searches for notes written but never recorded.
 */
function knownNotesOf(
  detail: DeliveryDetail | undefined,
): Pick<DeliverOptions, 'knownNotes' | 'knownNotesComplete' | 'knownCompanyNotes'> {
  if (!detail) return { knownNotesComplete: false };
  const knownNotes = detail.outcomes.flatMap((outcome) =>
    outcome.personId !== undefined && outcome.noteId !== undefined
      ? [{ personId: outcome.personId, noteId: outcome.noteId }]
      : [],
  );
  // A company note (no person): known by its company, so a retry updates it rather than writing a second one.
  const knownCompanyNotes = detail.outcomes.flatMap((outcome) =>
    outcome.outcome === 'company_note' && outcome.companyId !== undefined && outcome.noteId !== undefined
      ? [{ companyId: outcome.companyId, noteId: outcome.noteId }]
      : [],
  );
  const last = detail.attemptLog.at(-1);
  return { knownNotes, knownCompanyNotes, knownNotesComplete: last === undefined || last.outcome === 'delivered' };
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
