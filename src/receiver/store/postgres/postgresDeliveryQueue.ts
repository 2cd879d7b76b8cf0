import type { PoolClient } from 'pg';
import { assertNever } from '../../../core/assertNever';
import {
  attemptEndings,
  eventInstant,
  finishAttempt,
  isStale,
  LEASE_EXPIRED,
  payloadReplacement,
  RELEASED,
  requeueStep,
  type AttemptWrite,
  type Settlement,
} from '../deliveryTransitions';
import type { AcceptResult, ClaimedDelivery, DeliveryQueue, FinishedAttempt } from '../ports/deliveryQueue';
import { foldForSearch } from '../searchText';
import {
  ATTEMPT_COLUMNS,
  enrichmentJson,
  OUTCOME_COLUMNS,
  PAYLOAD_HELD,
  toId,
  toStatus,
  toStoredPayload,
  toVersion,
} from '../storedRowReaders';
import { SUMMARY_EVENT_TYPE } from '../storedValues';
import { timeOrderedId } from '../timeOrderedId';
import { single, type PostgresConnection } from './postgresConnection';
import { writeParticipantKeys } from './postgresParticipantKeys';
import { attemptParams, outcomeParams, toEventTimestamp, toHeldDelivery, toLockedDelivery } from './postgresRows';

/**
 * The queue on PostgreSQL. Several replicas share the schema: every read-then-write holds row locks in its
 * transaction (READ COMMITTED), claims skip rows another transaction holds. A claim is identified by its worker and
 * attempt number: a result for an attempt that is no longer the delivery's current one is `lost`.
 */
export function postgresDeliveryQueue({ pool, transaction }: PostgresConnection): DeliveryQueue {
  /** Ends the claimed attempt as deliveryTransitions decides, in one transaction with the lease's read. */
  function finish<S extends Settlement>(finished: FinishedAttempt, settlement: S) {
    return transaction(async (db) => {
      // FOR UPDATE: a replica reclaiming the delivery right now either waits for this result or wins and makes it
      // lost.
      const row = (
        await db.query(
          `SELECT version FROM deliveries
           WHERE id = $1 AND status = 'in_progress' AND locked_by = $2 AND attempts = $3
           FOR UPDATE`,
          [finished.deliveryId, finished.workerId, finished.attempt.attempt],
        )
      ).rows[0];
      const { result, writes } = finishAttempt(row === undefined ? undefined : toVersion(row), finished, settlement);
      for (const write of writes) await runAttemptWrite(db, finished, write);
      return result;
    });
  }

  return {
    async acceptSummary(summary) {
      return transaction(async (db): Promise<AcceptResult> => {
        const now = summary.receivedAt;
        const eventMs = eventInstant(summary.eventTimestamp);
        const eventId = timeOrderedId();
        // ON CONFLICT waits for a replica inserting the same key at this moment: after its commit this is a duplicate.
        const inserted = await db.query(
          `INSERT INTO events (id, delivery_key, scheme, event_type, disposition, conversation_id, event_timestamp,
             received_at, raw_body, source)
           VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $8, $9)
           ON CONFLICT (delivery_key) DO NOTHING`,
          [
            eventId,
            summary.deliveryKey,
            summary.scheme,
            SUMMARY_EVENT_TYPE,
            summary.conversationId,
            eventMs === null ? null : new Date(eventMs),
            now,
            summary.rawBody,
            summary.source ?? 'webhook',
          ],
        );
        if (inserted.rowCount === 0)
          return { kind: 'duplicate', eventId: await eventIdForKey(db, summary.deliveryKey) };

        const title = summary.title;
        const titleFolded = foldForSearch(title);
        const deliveryId = timeOrderedId();
        const created = await db.query(
          `INSERT INTO deliveries (id, conversation_id, target, event_id, title, title_folded, status, version,
             attempts, next_attempt_at, created_at, open_since, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, 'pending', 1, 0, $7, $7, $7, $7)
           ON CONFLICT (conversation_id, target) DO NOTHING`,
          [deliveryId, summary.conversationId, summary.target, eventId, title, titleFolded, now],
        );
        if (created.rowCount === 1) {
          await writeParticipantKeys(db, deliveryId, summary.participantKeys ?? [], 'new');
          return { kind: 'queued', eventId, deliveryId };
        }

        // The conversation has its delivery: lock it, so a concurrent re-send, claim or completion waits for this one.
        const held = toHeldDelivery(
          single(
            await db.query(
              'SELECT id, status, event_id FROM deliveries WHERE conversation_id = $1 AND target = $2 FOR UPDATE',
              [summary.conversationId, summary.target],
            ),
            'the delivery the insert conflicted with',
          ),
        );
        // Read after the lock (a new snapshot): the payload the delivery holds now, not when this transaction began.
        const heldTimestamp = toEventTimestamp(
          single(await db.query('SELECT event_timestamp FROM events WHERE id = $1', [held.eventId]), 'the held event'),
        );
        if (isStale(eventMs, heldTimestamp?.getTime())) {
          await db.query(`UPDATE events SET disposition = 'stale' WHERE id = $1`, [eventId]);
          return { kind: 'stale', eventId, deliveryId: held.id };
        }

        const content = [held.id, eventId, title, titleFolded, now];
        if (payloadReplacement(held.status) === 'keep_lease') {
          await db.query(
            `UPDATE deliveries SET event_id = $2, title = $3, title_folded = $4, version = version + 1,
               updated_at = $5, ${PAYLOAD_HELD}
             WHERE id = $1`,
            content,
          );
        } else {
          await db.query(
            `UPDATE deliveries SET event_id = $2, title = $3, title_folded = $4, version = version + 1,
               status = 'pending', attempts = 0, next_attempt_at = $5, last_error_code = NULL,
               last_error_message = NULL, updated_at = $5, ${PAYLOAD_HELD},
               open_since = CASE WHEN status IN ('delivered', 'dead') THEN $5 ELSE open_since END
             WHERE id = $1`,
            content,
          );
        }
        await writeParticipantKeys(db, held.id, summary.participantKeys ?? []);
        return { kind: 'queued', eventId, deliveryId: held.id };
      });
    },

    async recordIgnoredEvent(event) {
      return transaction(async (db) => {
        const eventId = timeOrderedId();
        const inserted = await db.query(
          `INSERT INTO events (id, delivery_key, scheme, event_type, disposition, received_at)
           VALUES ($1, $2, $3, $4, 'ignored', $5)
           ON CONFLICT (delivery_key) DO NOTHING`,
          [eventId, event.deliveryKey, event.scheme, event.eventType, event.receivedAt],
        );
        if (inserted.rowCount === 0) return { eventId: await eventIdForKey(db, event.deliveryKey), duplicate: true };
        return { eventId, duplicate: false };
      });
    },

    async claimDue(request) {
      if (request.limit < 1) return [];
      const { now } = request;
      return transaction(async (db) => {
        // Select and lock in one statement, and mark in the same transaction: SKIP LOCKED passes over rows another
        // replica is claiming (or settling) right now, so two workers never get the same row and never wait on each
        // other. The bodies are read after the lock: a re-send committed meanwhile changes which event is delivered.
        const due = (
          await db.query(
            `SELECT id, conversation_id, target, event_id, version, attempts, open_since,
               status = 'in_progress' AS lease_expired
             FROM deliveries
             WHERE ((status IN ('pending', 'retrying') AND next_attempt_at <= $1)
                OR (status = 'in_progress' AND locked_until <= $1))
               AND ($3::text IS NULL OR target = $3::text)
             ORDER BY next_attempt_at, created_at, id
             LIMIT $2
             FOR UPDATE SKIP LOCKED`,
            [now, request.limit, request.target ?? null],
          )
        ).rows.map(toLockedDelivery);
        if (due.length === 0) return [];
        const ids = due.map((delivery) => delivery.deliveryId);

        // An attempt whose worker died (or overran its lease) left no record: note it in the audit trail, so the
        // attempt count and the attempt log agree.
        const expired = due.filter((delivery) => delivery.leaseExpired).map((delivery) => delivery.deliveryId);
        if (expired.length > 0) {
          await db.query(`${logCurrentAttempt('$1', '$3', '$4')} WHERE id = ANY($2::text[])`, [
            now,
            expired,
            LEASE_EXPIRED.code,
            LEASE_EXPIRED.message,
          ]);
        }
        await db.query(
          `UPDATE deliveries SET status = 'in_progress', locked_by = $2, locked_until = $3, attempts = attempts + 1,
             updated_at = $4
           WHERE id = ANY($1::text[])`,
          [ids, request.workerId, new Date(now.getTime() + request.leaseMs), now],
        );
        const bodies = new Map(
          (
            await db.query('SELECT id, raw_body FROM events WHERE id = ANY($1::text[])', [
              due.map((delivery) => delivery.eventId),
            ])
          ).rows
            .map(toStoredPayload)
            .map((event) => [event.eventId, event.rawBody]),
        );
        return due.map((delivery): ClaimedDelivery => {
          const rawBody = bodies.get(delivery.eventId);
          if (rawBody === undefined) throw new Error(`the event ${delivery.eventId} of a due delivery has no body`);
          return {
            deliveryId: delivery.deliveryId,
            conversationId: delivery.conversationId,
            target: delivery.target,
            eventId: delivery.eventId,
            rawBody,
            version: delivery.version,
            attempt: delivery.attempt,
            firstReceivedAt: delivery.firstReceivedAt,
          };
        });
      });
    },

    ...attemptEndings(finish),

    /** Back to pending and due now; the attempt it was counted as did not happen. Ignored unless `workerId` holds it. */
    async releaseDelivery(release) {
      await transaction(async (db) => {
        await db.query(
          `${logCurrentAttempt('$3', '$4', '$5')} WHERE id = $1 AND status = 'in_progress' AND locked_by = $2 FOR UPDATE`,
          [
            release.deliveryId,
            release.workerId,
            release.now,
            (release.reason ?? RELEASED).code,
            (release.reason ?? RELEASED).message,
          ],
        );
        await db.query(
          `UPDATE deliveries SET status = 'pending', attempts = GREATEST(attempts - 1, 0), next_attempt_at = $3,
             locked_by = NULL, locked_until = NULL, updated_at = $3
           WHERE id = $1 AND status = 'in_progress' AND locked_by = $2`,
          [release.deliveryId, release.workerId, release.now],
        );
      });
    },

    async requeue(deliveryId, now) {
      return transaction(async (db) => {
        // A delivery whose payload was removed has nothing left to deliver.
        const row = (
          await db.query('SELECT status FROM deliveries WHERE id = $1 AND payload_removed_at IS NULL FOR UPDATE', [
            deliveryId,
          ])
        ).rows[0];
        const step = requeueStep(row === undefined ? undefined : toStatus(row));
        switch (step) {
          case 'refused':
            return false;
          case 'due_now':
            await db.query(
              'UPDATE deliveries SET next_attempt_at = LEAST(next_attempt_at, $2), updated_at = $2 WHERE id = $1',
              [deliveryId, now],
            );
            return true;
          case 'reopen':
            await db.query(`UPDATE deliveries SET ${reopen('$2')} WHERE id = $1`, [deliveryId, now]);
            return true;
          default:
            return assertNever(step);
        }
      });
    },

    async requeueAllDead(now, target) {
      const ofTarget = target === undefined ? '' : 'AND target = $2';
      const result = await pool.query(
        `UPDATE deliveries SET ${reopen('$1')} WHERE status = 'dead' AND payload_removed_at IS NULL ${ofTarget}`,
        target === undefined ? [now] : [now, target],
      );
      return result.rowCount ?? 0;
    },
  };
}

/** One write of a finished attempt (see finishAttempt), inside the transaction that locked the lease's row. */
async function runAttemptWrite(db: PoolClient, finished: FinishedAttempt, write: AttemptWrite): Promise<void> {
  const { deliveryId, now } = finished;
  switch (write.kind) {
    case 'record_attempt':
      await db.query(
        `INSERT INTO attempts (delivery_id, version, ${ATTEMPT_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        attemptParams(deliveryId, finished.version, finished.attempt),
      );
      return;
    case 'restart_superseded':
      await db.query(
        `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2, locked_by = NULL,
           locked_until = NULL, last_error_code = NULL, last_error_message = NULL, updated_at = $2
         WHERE id = $1`,
        [deliveryId, now],
      );
      return;
    case 'replace_outcomes':
      await db.query('DELETE FROM participant_outcomes WHERE delivery_id = $1', [deliveryId]);
      for (const outcome of write.outcomes) {
        await db.query(
          `INSERT INTO participant_outcomes (delivery_id, ${OUTCOME_COLUMNS})
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10)`,
          outcomeParams(deliveryId, outcome),
        );
      }
      return;
    case 'record_enrichment':
      await db.query(
        'UPDATE deliveries SET enrichment = $2::jsonb, enrichment_state = $3, enrichment_at = $4 WHERE id = $1',
        [deliveryId, enrichmentJson(write.enrichment), write.enrichment.state, write.enrichment.at],
      );
      return;
    case 'settle': {
      const { columns } = write;
      await db.query(
        `UPDATE deliveries SET status = $2, next_attempt_at = $3, locked_by = NULL, locked_until = NULL,
           last_error_code = $4, last_error_message = $5, delivered_at = COALESCE($6, delivered_at), updated_at = $7
         WHERE id = $1`,
        [
          deliveryId,
          columns.status,
          columns.nextAttemptAt,
          columns.errorCode,
          columns.errorMessage,
          columns.deliveredAt,
          now,
        ],
      );
      return;
    }
    default:
      assertNever(write);
  }
}

async function eventIdForKey(db: PoolClient, deliveryKey: string): Promise<string> {
  return toId(single(await db.query('SELECT id FROM events WHERE delivery_key = $1', [deliveryKey]), 'the event'));
}

/**
 * Logs the attempt each delivery selected (`… WHERE`) is on, without counting it: as `retry` with the error `code` and
 * `message`, lasting from its claim until `now` (the parameters' placeholders).
 */
function logCurrentAttempt(now: string, code: string, message: string): string {
  return `INSERT INTO attempts (delivery_id, version, attempt, started_at, duration_ms, outcome, error_code,
      error_message)
    SELECT id, version, attempts, updated_at,
      GREATEST(round(extract(epoch FROM ${now}::timestamptz - updated_at) * 1000), 0)::integer, 'retry', ${code},
      ${message}
    FROM deliveries`;
}

/** Reopens a delivered or dead delivery: due `now` with fresh attempts; the attempt log keeps the old errors. */
function reopen(now: string): string {
  return `status = 'pending', attempts = 0, next_attempt_at = ${now}, open_since = ${now},
    last_error_code = NULL, last_error_message = NULL, updated_at = ${now}`;
}
