import type { DeliveryDetail, DeliveryReads, HeldPayload } from '../ports/deliveryReads';
import { deliveryLogFilter } from '../searchText';
import {
  ATTEMPT_COLUMNS,
  DELIVERY_COLUMNS,
  DELIVERY_FROM,
  STORED_OUTCOME_COLUMNS,
  toDeliveryCounts,
  toEventBody,
  toEventRef,
  toHeldPayload,
} from '../storedRowReaders';
import type { SqliteConnection } from './sqliteConnection';
import { toAttemptRecord, toDeliveryRow, toOldest, toParticipantOutcome } from './sqliteRows';

/** Conversations per `heldPayloads` query: a list far longer than a poll's page is looked up in parts. */
const HELD_PAYLOADS_CHUNK = 500;

export function sqliteDeliveryReads({ db, sql }: SqliteConnection): DeliveryReads {
  return {
    async listDeliveries(query) {
      if (query.limit < 1) return [];
      const params: string[] = [];
      const where = deliveryLogFilter(query, (value) => {
        params.push(value);
        return '?';
      });
      return sql(
        `SELECT ${DELIVERY_COLUMNS} FROM ${DELIVERY_FROM} ${where}
         ORDER BY d.created_at DESC, d.id DESC LIMIT ? OFFSET ?`,
      )
        .all(...params, query.limit, query.offset ?? 0)
        .map(toDeliveryRow);
    },

    async getDelivery(deliveryId) {
      // A (deferred) read transaction: the row, its attempts and its outcomes come from one snapshot.
      return db.transaction((): DeliveryDetail | undefined => {
        const row = sql(`SELECT ${DELIVERY_COLUMNS}, d.event_id FROM ${DELIVERY_FROM} WHERE d.id = ?`).get(deliveryId);
        if (row === undefined) return undefined;
        const attemptLog = sql(
          `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = ? ORDER BY started_at, seq`,
        ).all(deliveryId);
        const outcomes = sql(
          `SELECT ${STORED_OUTCOME_COLUMNS} FROM participant_outcomes WHERE delivery_id = ? ORDER BY participant_index`,
        ).all(deliveryId);
        return {
          ...toDeliveryRow(row),
          eventId: toEventRef(row),
          attemptLog: attemptLog.map(toAttemptRecord),
          outcomes: outcomes.map(toParticipantOutcome),
        };
      })();
    },

    async getEventBody(eventId) {
      const row = sql('SELECT raw_body FROM events WHERE id = ?').get(eventId);
      return row === undefined ? undefined : toEventBody(row);
    },

    async counts(target) {
      // Without a target every delivery counts (the CLI's view of the whole store).
      const ofTarget = target === undefined ? '' : 'AND target = @target';
      const params = target === undefined ? {} : { target };
      return db.transaction(() =>
        toDeliveryCounts(
          sql(`SELECT status, COUNT(*) AS count FROM deliveries WHERE TRUE ${ofTarget} GROUP BY status`).all(params),
          toOldest(
            sql(
              `SELECT MIN(open_since) AS oldest FROM deliveries WHERE status NOT IN ('delivered', 'dead') ${ofTarget}`,
            ).get(params),
          ),
          target === undefined
            ? undefined
            : sql(
                `SELECT target, COUNT(*) AS count FROM deliveries
                 WHERE status NOT IN ('delivered', 'dead') AND target <> @target
                 GROUP BY target ORDER BY count DESC, target`,
              ).all(params),
        ),
      )();
    },

    async heldPayloads(target, conversationIds) {
      const wanted = [...new Set(conversationIds)];
      const found = new Map<string, HeldPayload>();
      // One read transaction: the parts of a long list come from one snapshot.
      db.transaction(() => {
        for (let start = 0; start < wanted.length; start += HELD_PAYLOADS_CHUNK) {
          // The list is one JSON parameter; each conversation is looked up in the (conversation_id, target) index.
          const rows = sql(
            `SELECT d.conversation_id, d.id, d.status, e.source, e.raw_body
             FROM json_each(@ids) AS wanted CROSS JOIN deliveries d CROSS JOIN events e
             WHERE d.conversation_id = wanted.value AND d.target = @target AND e.id = d.event_id`,
          ).all({ ids: JSON.stringify(wanted.slice(start, start + HELD_PAYLOADS_CHUNK)), target });
          for (const held of rows.map(toHeldPayload)) found.set(held.conversationId, held);
        }
      })();
      return wanted.flatMap((id) => found.get(id) ?? []);
    },
  };
}
