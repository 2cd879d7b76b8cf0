import type { PartialEnrichments } from '../ports/partialEnrichments';
import { toId } from '../storedRowReaders';
import type { PostgresConnection } from './postgresConnection';

export function postgresPartialEnrichments({ pool }: PostgresConnection): PartialEnrichments {
  return {
    async listPartiallyEnriched(request) {
      if (request.limit < 1) return [];
      const { rows } = await pool.query(
        `SELECT id FROM deliveries
         WHERE target = $1 AND status = 'delivered' AND enrichment_state = 'partial' AND enrichment_at < $2
           AND payload_removed_at IS NULL
         ORDER BY enrichment_at, id LIMIT $3`,
        [request.target, request.before, request.limit],
      );
      return rows.map(toId);
    },

    async touchEnrichment(deliveryId, at) {
      // A record that is not an object (damaged) stays as it is; its time column still moves on.
      await pool.query(
        `UPDATE deliveries SET enrichment_at = $2,
           enrichment = CASE WHEN jsonb_typeof(enrichment) = 'object'
             THEN jsonb_set(enrichment, '{at}', to_jsonb($3::text)) ELSE enrichment END
         WHERE id = $1 AND enrichment_state = 'partial'`,
        [deliveryId, at, at.toISOString()],
      );
    },
  };
}
