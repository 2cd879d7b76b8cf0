import { z } from 'zod';
import type { ParticipantResolutions } from '../ports/participantResolutions';
import { UNRESOLVED_OUTCOMES } from '../ports/participantResolutions';
import { integer, OUTCOME_COLUMNS } from '../storedRowReaders';
import type { SqliteConnection } from './sqliteConnection';
import { outcomeParams } from './sqliteRows';

const unresolvedRecord = z.object({
  id: z.string(),
  conversation_id: z.string(),
  created_at: integer,
  indexes: z.string(),
});

const UNRESOLVED_LIST = UNRESOLVED_OUTCOMES.map((kind) => `'${kind}'`).join(', ');

export function sqliteParticipantResolutions({ sql, writeTransaction }: SqliteConnection): ParticipantResolutions {
  return {
    async listUnresolved({ target, since, limit }) {
      if (limit < 1) return [];
      return sql(
        `SELECT d.id, d.conversation_id, d.created_at, group_concat(p.participant_index) AS indexes
         FROM deliveries d JOIN participant_outcomes p ON p.delivery_id = d.id
         WHERE d.target = ? AND d.status = 'delivered' AND d.created_at >= ? AND d.payload_removed_reason IS NULL
           AND p.outcome IN (${UNRESOLVED_LIST})
         GROUP BY d.id ORDER BY d.created_at DESC, d.id DESC LIMIT ?`,
      )
        .all(target, since.getTime(), limit)
        .map((row) => {
          const r = unresolvedRecord.parse(row);
          return {
            deliveryId: r.id,
            conversationId: r.conversation_id,
            receivedAt: new Date(r.created_at),
            participantIndexes: r.indexes
              .split(',')
              .map(Number)
              .sort((a, b) => a - b),
          };
        });
    },

    async resolveParticipants({ deliveryId, outcomes, resolved }) {
      return writeTransaction(() => {
        const row = sql(`SELECT status FROM deliveries WHERE id = ?`).get(deliveryId) as { status: string } | undefined;
        if (row?.status !== 'delivered') return 'not_delivered';
        const remove = sql('DELETE FROM participant_outcomes WHERE delivery_id = ? AND participant_index = ?');
        const insert = sql(
          `INSERT INTO participant_outcomes (delivery_id, ${OUTCOME_COLUMNS}, resolved_how, resolved_at, resolved_by)
           VALUES (@deliveryId, @participantIndex, @outcome, @matchedBy, @createdCompany, @createdPerson, @personId,
             @companyId, @noteId, @trace, @how, @at, @by)`,
        );
        for (const outcome of outcomes) {
          remove.run(deliveryId, outcome.participantIndex);
          insert.run({
            ...outcomeParams(deliveryId, outcome),
            how: resolved.how,
            at: resolved.at.getTime(),
            by: resolved.by ?? null,
          });
        }
        return 'resolved';
      });
    },
  };
}
