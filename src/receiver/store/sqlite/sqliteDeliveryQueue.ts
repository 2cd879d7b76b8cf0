import { assertNever } from '../../../core/assertNever';
import {
  attemptEndings,
  finishAttempt,
  LEASE_EXPIRED,
  RELEASED,
  requeueStep,
  type AttemptWrite,
  type Settlement,
} from '../deliveryTransitions';
import type { AcceptedSummary, AcceptResult, DeliveryQueue, FinishedAttempt } from '../ports/deliveryQueue';
import type { SqliteAcceptThread } from './sqliteAcceptThread';
import { ATTEMPT_COLUMNS, enrichmentJson, OUTCOME_COLUMNS, toStatus, toVersion } from '../storedRowReaders';
import { timeOrderedId } from '../timeOrderedId';
import { applyAccepts, eventIdForKey } from './sqliteAccept';
import type { SqliteConnection } from './sqliteConnection';
import { attemptParams, outcomeParams, toClaimedDelivery } from './sqliteRows';

/**
 * The queue on SQLite. Several instances (processes) may share the file: every read-then-write runs in a
 * `BEGIN IMMEDIATE` transaction. A claim is identified by its worker and attempt number: a result for an attempt that
 * is no longer the delivery's current one is `lost`. Accepted summaries are stored by the accept thread on its own
 * connection when the store has one (the receiver's case), else on the store's connection.
 */
export function sqliteDeliveryQueue(connection: SqliteConnection, acceptThread?: SqliteAcceptThread): DeliveryQueue {
  const { db, sql, writeTransaction } = connection;
  const pendingAccepts: Array<{
    summary: AcceptedSummary;
    resolve: (result: AcceptResult) => void;
    reject: (error: unknown) => void;
  }> = [];

  function flushAccepts(): void {
    const batch = pendingAccepts.splice(0);
    const outcomes = applyAccepts(
      db,
      sql,
      batch.map(({ summary }) => summary),
    );
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok === true) pending.resolve(outcome.result);
      else pending.reject(outcome?.error);
    });
  }

  /** Ends the claimed attempt as deliveryTransitions decides, in one transaction with the lease's read. */
  async function finish<S extends Settlement>(finished: FinishedAttempt, settlement: S) {
    return writeTransaction(() => {
      const row = sql(
        `SELECT version FROM deliveries
         WHERE id = @deliveryId AND status = 'in_progress' AND locked_by = @workerId AND attempts = @attempt`,
      ).get({ deliveryId: finished.deliveryId, workerId: finished.workerId, attempt: finished.attempt.attempt });
      const { result, writes } = finishAttempt(row === undefined ? undefined : toVersion(row), finished, settlement);
      for (const write of writes) runAttemptWrite(connection, finished, write);
      return result;
    });
  }

  return {
    /**
     * Accepts arrive in bursts (32 connections at once under load): the accepts of one event-loop turn share one
     * commit, which is on disk (synchronous = FULL) before any of them is answered. With an accept thread, that
     * commit is made on the thread while this one goes on serving requests (see SqliteAcceptThread).
     */
    async acceptSummary(summary) {
      if (acceptThread !== undefined) return acceptThread.accept(summary);
      return new Promise<AcceptResult>((resolve, reject) => {
        pendingAccepts.push({ summary, resolve, reject });
        if (pendingAccepts.length === 1) setImmediate(flushAccepts);
      });
    },

    async recordIgnoredEvent(event) {
      return writeTransaction(() => {
        const original = eventIdForKey(sql, event.deliveryKey);
        if (original !== undefined) return { eventId: original, duplicate: true };
        const eventId = timeOrderedId();
        sql(
          `INSERT INTO events (id, delivery_key, scheme, event_type, disposition, received_at)
           VALUES (@eventId, @deliveryKey, @scheme, @eventType, 'ignored', @receivedAt)`,
        ).run({
          eventId,
          deliveryKey: event.deliveryKey,
          scheme: event.scheme,
          eventType: event.eventType,
          receivedAt: event.receivedAt.getTime(),
        });
        return { eventId, duplicate: false };
      });
    },

    async claimDue(request) {
      if (request.limit < 1) return [];
      const now = request.now.getTime();
      // Select and mark in one BEGIN IMMEDIATE transaction, or two workers (in this process or another) read the
      // same due rows before either marks them, and both deliver them.
      return writeTransaction(() => {
        const due = sql(
          `SELECT d.id, d.conversation_id, d.target, d.event_id, d.version, d.attempts, d.open_since, e.raw_body
           FROM deliveries d JOIN events e ON e.id = d.event_id
           WHERE ((d.status IN ('pending', 'retrying') AND d.next_attempt_at <= @now)
              OR (d.status = 'in_progress' AND d.locked_until <= @now))
             AND (@target IS NULL OR d.target = @target)
           ORDER BY d.next_attempt_at, d.created_at, d.id
           LIMIT @limit`,
        )
          .all({ now, limit: request.limit, target: request.target ?? null })
          .map(toClaimedDelivery);
        const claim = sql(
          `UPDATE deliveries SET status = 'in_progress', locked_by = @workerId, locked_until = @lockedUntil,
             attempts = @attempt, updated_at = @now
           WHERE id = @deliveryId`,
        );
        // An attempt whose worker died (or overran its lease) left no record: note it in the audit trail, so the
        // attempt count and the attempt log agree.
        const expired = new Set(
          sql(`SELECT id FROM deliveries WHERE status = 'in_progress' AND locked_until <= @now`)
            .all({ now })
            .map((row) => String((row as { id: unknown }).id)),
        );
        const recordLost = sql(LOG_CURRENT_ATTEMPT);
        for (const delivery of due) {
          if (expired.has(delivery.deliveryId)) {
            recordLost.run({ deliveryId: delivery.deliveryId, now, ...LEASE_EXPIRED });
          }
          claim.run({
            deliveryId: delivery.deliveryId,
            workerId: request.workerId,
            lockedUntil: now + request.leaseMs,
            attempt: delivery.attempt,
            now,
          });
        }
        return due;
      });
    },

    ...attemptEndings(finish),

    /** Back to pending and due now; the attempt it was counted as did not happen. Ignored unless `workerId` holds it. */
    async releaseDelivery(release) {
      const params = { deliveryId: release.deliveryId, workerId: release.workerId, now: release.now.getTime() };
      writeTransaction(() => {
        sql(`${LOG_CURRENT_ATTEMPT} AND status = 'in_progress' AND locked_by = @workerId`).run({
          ...params,
          ...(release.reason ?? RELEASED),
        });
        sql(
          `UPDATE deliveries SET status = 'pending', attempts = MAX(attempts - 1, 0), next_attempt_at = @now,
             locked_by = NULL, locked_until = NULL, updated_at = @now
           WHERE id = @deliveryId AND status = 'in_progress' AND locked_by = @workerId`,
        ).run(params);
      });
    },

    async requeue(deliveryId, now) {
      return writeTransaction(() => {
        // A delivery whose payload was removed has nothing left to deliver.
        const row = sql('SELECT status FROM deliveries WHERE id = ? AND payload_removed_at IS NULL').get(deliveryId);
        const step = requeueStep(row === undefined ? undefined : toStatus(row));
        switch (step) {
          case 'refused':
            return false;
          case 'due_now':
            sql(
              `UPDATE deliveries SET next_attempt_at = MIN(next_attempt_at, @now), updated_at = @now
               WHERE id = @deliveryId`,
            ).run({ deliveryId, now: now.getTime() });
            return true;
          case 'reopen':
            sql(`UPDATE deliveries SET ${REOPEN} WHERE id = @deliveryId`).run({ deliveryId, now: now.getTime() });
            return true;
          default:
            return assertNever(step);
        }
      });
    },

    async requeueAllDead(now, target) {
      const ofTarget = target === undefined ? '' : 'AND target = @target';
      return sql(
        `UPDATE deliveries SET ${REOPEN} WHERE status = 'dead' AND payload_removed_at IS NULL ${ofTarget}`,
      ).run({
        now: now.getTime(),
        ...(target === undefined ? {} : { target }),
      }).changes;
    },
  };
}

/** One write of a finished attempt (see finishAttempt), inside the transaction that read the lease. */
function runAttemptWrite({ sql }: SqliteConnection, finished: FinishedAttempt, write: AttemptWrite): void {
  const { deliveryId } = finished;
  const now = finished.now.getTime();
  switch (write.kind) {
    case 'record_attempt':
      sql(
        `INSERT INTO attempts (delivery_id, version, ${ATTEMPT_COLUMNS})
         VALUES (@deliveryId, @version, @attempt, @startedAt, @durationMs, @outcome, @errorCode, @errorMessage,
           @crmStatus, @apiCalls)`,
      ).run(attemptParams(deliveryId, finished.version, finished.attempt));
      return;
    case 'restart_superseded':
      sql(
        `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = @now, locked_by = NULL,
           locked_until = NULL, last_error_code = NULL, last_error_message = NULL, updated_at = @now
         WHERE id = @deliveryId`,
      ).run({ deliveryId, now });
      return;
    case 'replace_outcomes': {
      sql('DELETE FROM participant_outcomes WHERE delivery_id = ?').run(deliveryId);
      const insert = sql(
        `INSERT INTO participant_outcomes (delivery_id, ${OUTCOME_COLUMNS})
         VALUES (@deliveryId, @participantIndex, @outcome, @matchedBy, @createdCompany, @createdPerson, @personId,
           @companyId, @noteId, @trace)`,
      );
      for (const outcome of write.outcomes) insert.run(outcomeParams(deliveryId, outcome));
      return;
    }
    case 'record_enrichment':
      sql(
        `UPDATE deliveries SET enrichment = @json, enrichment_state = @state, enrichment_at = @at
         WHERE id = @deliveryId`,
      ).run({
        deliveryId,
        json: enrichmentJson(write.enrichment),
        state: write.enrichment.state,
        at: write.enrichment.at.getTime(),
      });
      return;
    case 'settle': {
      const { columns } = write;
      sql(
        `UPDATE deliveries SET status = @status, next_attempt_at = @nextAttemptAt, locked_by = NULL,
           locked_until = NULL, last_error_code = @errorCode, last_error_message = @errorMessage,
           delivered_at = COALESCE(@deliveredAt, delivered_at), updated_at = @now
         WHERE id = @deliveryId`,
      ).run({
        deliveryId,
        status: columns.status,
        nextAttemptAt: columns.nextAttemptAt?.getTime() ?? null,
        errorCode: columns.errorCode,
        errorMessage: columns.errorMessage,
        deliveredAt: columns.deliveredAt?.getTime() ?? null,
        now,
      });
      return;
    }
    default:
      assertNever(write);
  }
}

/**
 * Logs the attempt the delivery @deliveryId is on, without counting it: as `retry` with @code and @message, lasting
 * from its claim until @now.
 */
const LOG_CURRENT_ATTEMPT = `INSERT INTO attempts (delivery_id, version, attempt, started_at, duration_ms, outcome,
    error_code, error_message)
  SELECT id, version, attempts, updated_at, MAX(@now - updated_at, 0), 'retry', @code, @message
  FROM deliveries WHERE id = @deliveryId`;

/** Reopens a delivered or dead delivery: due now with fresh attempts; the attempt log keeps the old errors. */
const REOPEN = `status = 'pending', attempts = 0, next_attempt_at = @now, open_since = @now,
  last_error_code = NULL, last_error_message = NULL, updated_at = @now`;
