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
import { single, type PostgresConnection } from './postgresConnection';
import { toAttemptRecord, toDeliveryRow, toOldest, toParticipantOutcome } from './postgresRows';

/** Conversations per `heldPayloads` query: a list far longer than a poll's page is looked up in parts. */
const HELD_PAYLOADS_CHUNK = 500;

export function postgresDeliveryReads({ pool, transaction }: PostgresConnection): DeliveryReads {
  return {
    async listDeliveries(query) {
      if (query.limit < 1) return [];
      const params: unknown[] = [];
      const param = (value: unknown): string => {
        params.push(value);
        return `$${params.length}`;
      };
      const where = deliveryLogFilter(query, param);
      const limit = param(query.limit);
      const offset = param(query.offset ?? 0);
      const result = await pool.query(
        `SELECT ${DELIVERY_COLUMNS} FROM ${DELIVERY_FROM} ${where}
         ORDER BY d.created_at DESC, d.id DESC LIMIT ${limit} OFFSET ${offset}`,
        params,
      );
      return result.rows.map(toDeliveryRow);
    },

    async getDelivery(deliveryId) {
      // The row, its attempts and its outcomes from one snapshot.
      return transaction(async (db): Promise<DeliveryDetail | undefined> => {
        const row = (
          await db.query(`SELECT ${DELIVERY_COLUMNS}, d.event_id FROM ${DELIVERY_FROM} WHERE d.id = $1`, [deliveryId])
        ).rows[0];
        if (row === undefined) return undefined;
        const attemptLog = await db.query(
          `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = $1 ORDER BY started_at, seq`,
          [deliveryId],
        );
        const outcomes = await db.query(
          `SELECT ${STORED_OUTCOME_COLUMNS} FROM participant_outcomes WHERE delivery_id = $1 ORDER BY participant_index`,
          [deliveryId],
        );
        return {
          ...toDeliveryRow(row),
          eventId: toEventRef(row),
          attemptLog: attemptLog.rows.map(toAttemptRecord),
          outcomes: outcomes.rows.map(toParticipantOutcome),
        };
      }, 'snapshot');
    },

    async getEventBody(eventId) {
      const row = (await pool.query('SELECT raw_body FROM events WHERE id = $1', [eventId])).rows[0];
      return row === undefined ? undefined : toEventBody(row);
    },

    async counts(target) {
      // Without a target every delivery counts (the CLI's view of the whole store).
      const ofTarget = target === undefined ? '' : 'AND target = $1';
      const params = target === undefined ? [] : [target];
      return transaction(
        async (db) =>
          toDeliveryCounts(
            (
              await db.query(
                `SELECT status, COUNT(*)::integer AS count FROM deliveries WHERE TRUE ${ofTarget} GROUP BY status`,
                params,
              )
            ).rows,
            toOldest(
              single(
                await db.query(
                  `SELECT MIN(open_since) AS oldest FROM deliveries WHERE status NOT IN ('delivered', 'dead') ${ofTarget}`,
                  params,
                ),
                'the oldest open delivery',
              ),
            ),
            target === undefined
              ? undefined
              : (
                  await db.query(
                    `SELECT target, COUNT(*)::integer AS count FROM deliveries
                     WHERE status NOT IN ('delivered', 'dead') AND target <> $1
                     GROUP BY target ORDER BY count DESC, target`,
                    params,
                  )
                ).rows,
          ),
        'snapshot',
      );
    },

    async heldPayloads(target, conversationIds) {
      const wanted = [...new Set(conversationIds)];
      if (wanted.length === 0) return [];
      const found = new Map<string, HeldPayload>();
      // The parts of a long list from one snapshot; each conversation is looked up in the (conversation_id, target)
      // index.
      await transaction(async (db) => {
        for (let start = 0; start < wanted.length; start += HELD_PAYLOADS_CHUNK) {
          const { rows } = await db.query(
            `SELECT d.conversation_id, d.id, d.status, e.source, e.raw_body
             FROM deliveries d JOIN events e ON e.id = d.event_id
             WHERE d.target = $1 AND d.conversation_id = ANY($2::text[])`,
            [target, wanted.slice(start, start + HELD_PAYLOADS_CHUNK)],
          );
          for (const held of rows.map(toHeldPayload)) found.set(held.conversationId, held);
        }
      }, 'snapshot');
      return wanted.flatMap((id) => found.get(id) ?? []);
    },
  };
}
