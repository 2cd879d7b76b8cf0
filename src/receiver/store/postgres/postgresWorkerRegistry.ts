import { z } from 'zod';
import type { WorkerRegistry } from '../ports/workerRegistry';
import type { PostgresConnection } from './postgresConnection';

const idRows = z.array(z.object({ id: z.string() }));

/**
 * The registry on PostgreSQL: replicas on several hosts share it, so a worker is alive while it beats. One that has
 * not beaten for `silentBeats` of its own intervals (interval_ms, from its row) is presumed dead; should it be merely
 * cut off and come back, its results for the deliveries taken back are `lost` (the claim moved on), and its next beat
 * registers it again. Beats are stamped and silence measured with the server's now(), never a replica's clock: a
 * replica whose clock is off is judged like any other.
 */
export function postgresWorkerRegistry({ pool, transaction }: PostgresConnection): WorkerRegistry {
  return {
    workerLiveness: 'heartbeat',

    async beatWorker({ workerId, intervalMs }) {
      await pool.query(
        `INSERT INTO workers (id, started_at, beat_at, interval_ms) VALUES ($1, now(), now(), $2)
         ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at, interval_ms = excluded.interval_ms`,
        [workerId, Math.max(1, Math.round(intervalMs))],
      );
    },

    async retireWorker(workerId) {
      await pool.query('DELETE FROM workers WHERE id = $1', [workerId]);
    },

    async takeBackAbandoned({ workerId, now, silentBeats }) {
      return transaction(async (db) => {
        // The DELETE locks each dead worker's row: of two replicas taking back at once, the second finds it gone.
        const workers = idRows
          .parse(
            (
              await db.query(
                `DELETE FROM workers
                 WHERE id <> $1 AND beat_at < now() - interval_ms * $2::double precision * interval '1 millisecond'
                 RETURNING id`,
                [workerId, silentBeats],
              )
            ).rows,
          )
          .map((row) => row.id);
        if (workers.length === 0) return { workers, deliveryIds: [] };
        // Row locks like a claim's: a claim or a result in flight on one of these rows is waited for, then the
        // conditions are read again on the row's latest version.
        const deliveryIds = idRows
          .parse(
            (
              await db.query(
                `UPDATE deliveries SET locked_until = $2
                 WHERE status = 'in_progress' AND locked_by = ANY($1::text[]) AND locked_until > $2
                 RETURNING id`,
                [workers, now],
              )
            ).rows,
          )
          .map((row) => row.id);
        return { workers: workers.sort(), deliveryIds };
      });
    },
  };
}
