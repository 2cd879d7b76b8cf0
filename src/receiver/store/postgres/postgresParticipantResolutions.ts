import { z } from 'zod';
import type { ParticipantResolutions } from '../ports/participantResolutions';
import { UNRESOLVED_OUTCOMES } from '../ports/participantResolutions';
import { OUTCOME_COLUMNS } from '../storedRowReaders';
import type { PostgresConnection } from './postgresConnection';
import { outcomeParams } from './postgresRows';

const unresolvedRecord = z.object({
  id: z.string(),
  conversation_id: z.string(),
  created_at: z.date(),
  indexes: z.array(z.number().int()),
});

export function postgresParticipantResolutions({ pool, transaction }: PostgresConnection): ParticipantResolutions {
  return {
    async listUnresolved({ target, since, limit }) {
      if (limit < 1) return [];
      const result = await pool.query(
        `SELECT d.id, d.conversation_id, d.created_at,
           array_agg(p.participant_index ORDER BY p.participant_index) AS indexes
         FROM deliveries d JOIN participant_outcomes p ON p.delivery_id = d.id
         WHERE d.target = $1 AND d.status = 'delivered' AND d.created_at >= $2 AND d.payload_removed_reason IS NULL
           AND p.outcome = ANY($3::text[])
         GROUP BY d.id ORDER BY d.created_at DESC, d.id DESC LIMIT $4`,
        [target, since, [...UNRESOLVED_OUTCOMES], limit],
      );
      return result.rows.map((row) => {
        const r = unresolvedRecord.parse(row);
        return {
          deliveryId: r.id,
          conversationId: r.conversation_id,
          receivedAt: r.created_at,
          participantIndexes: r.indexes,
        };
      });
    },

    async resolveParticipants({ deliveryId, outcomes, resolved }) {
      return transaction(async (db) => {
        // FOR UPDATE: a worker claiming the delivery again waits for this merge, or has already moved it on.
        const row = (await db.query(`SELECT status FROM deliveries WHERE id = $1 FOR UPDATE`, [deliveryId])).rows[0] as
          { status: string } | undefined;
        if (row?.status !== 'delivered') return 'not_delivered';
        for (const outcome of outcomes) {
          await db.query('DELETE FROM participant_outcomes WHERE delivery_id = $1 AND participant_index = $2', [
            deliveryId,
            outcome.participantIndex,
          ]);
          await db.query(
            `INSERT INTO participant_outcomes (delivery_id, ${OUTCOME_COLUMNS}, resolved_how, resolved_at, resolved_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10, $11, $12, $13)`,
            [...outcomeParams(deliveryId, outcome), resolved.how, resolved.at, resolved.by ?? null],
          );
        }
        return 'resolved' as const;
      });
    },
  };
}
