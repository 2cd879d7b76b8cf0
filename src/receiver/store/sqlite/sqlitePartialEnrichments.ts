import type { PartialEnrichments } from '../ports/partialEnrichments';
import { toId } from '../storedRowReaders';
import type { SqliteConnection } from './sqliteConnection';

export function sqlitePartialEnrichments({ sql }: SqliteConnection): PartialEnrichments {
  return {
    async listPartiallyEnriched(request) {
      if (request.limit < 1) return [];
      return sql(
        `SELECT id FROM deliveries
         WHERE target = @target AND status = 'delivered' AND enrichment_state = 'partial' AND enrichment_at < @before
           AND payload_removed_at IS NULL
         ORDER BY enrichment_at, id LIMIT @limit`,
      )
        .all({ target: request.target, before: request.before.getTime(), limit: request.limit })
        .map(toId);
    },

    async touchEnrichment(deliveryId, at) {
      // A record that is not JSON (damaged) keeps its text; its time column still moves on.
      sql(
        `UPDATE deliveries SET enrichment_at = @at,
           enrichment = CASE WHEN json_valid(enrichment) THEN json_set(enrichment, '$.at', @atIso) ELSE enrichment END
         WHERE id = @deliveryId AND enrichment_state = 'partial'`,
      ).run({ deliveryId, at: at.getTime(), atIso: at.toISOString() });
    },
  };
}
