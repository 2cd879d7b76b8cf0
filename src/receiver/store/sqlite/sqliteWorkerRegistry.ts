import type { WorkerRegistry } from '../ports/workerRegistry';
import type { SqliteConnection } from './sqliteConnection';
import type { SqliteWorkerLocks } from './sqliteWorkerLocks';

/**
 * The registry on SQLite: a registered worker runs while its process holds its lock (SqliteWorkerLocks), so a
 * restarted receiver takes its dead predecessor's deliveries back at its first pass, while any other process on the
 * file (a second receiver, a thread) keeps its own. The beat is kept for the record; liveness does not depend on it.
 */
export function sqliteWorkerRegistry(connection: SqliteConnection, locks: SqliteWorkerLocks): WorkerRegistry {
  const { sql, writeTransaction } = connection;
  return {
    workerLiveness: 'process_lock',

    async beatWorker({ workerId, now, intervalMs }) {
      // The lock first: a registered worker whose lock is free is dead.
      locks.hold(workerId);
      sql(
        `INSERT INTO workers (id, started_at, beat_at, interval_ms) VALUES (@workerId, @now, @now, @intervalMs)
         ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at, interval_ms = excluded.interval_ms`,
      ).run({ workerId, now: now.getTime(), intervalMs: Math.max(1, Math.round(intervalMs)) });
    },

    async retireWorker(workerId) {
      sql('DELETE FROM workers WHERE id = ?').run(workerId);
      locks.release(workerId);
    },

    async takeBackAbandoned({ workerId, now }) {
      const registered = sql('SELECT id FROM workers WHERE id <> ? ORDER BY id')
        .all(workerId)
        .map((row) => String((row as { id: unknown }).id));
      // Probed outside the write transaction (file opens): a dead process cannot come back, so the answer holds.
      const dead = registered.filter((id) => !locks.isHeld(id));
      if (dead.length === 0) return { workers: [], deliveryIds: [] };
      // Another process on the file may take back the same dead worker at the same time: the one that removes its
      // row reports it.
      const forgotten: string[] = [];
      const deliveryIds = writeTransaction(() => {
        const ended: string[] = [];
        const endLeases = sql(
          `UPDATE deliveries SET locked_until = @now
           WHERE status = 'in_progress' AND locked_by = @deadId AND locked_until > @now
           RETURNING id`,
        );
        const forget = sql('DELETE FROM workers WHERE id = ?');
        for (const deadId of dead) {
          for (const row of endLeases.all({ deadId, now: now.getTime() })) {
            ended.push(String((row as { id: unknown }).id));
          }
          if (forget.run(deadId).changes > 0) forgotten.push(deadId);
        }
        return ended;
      });
      for (const id of dead) locks.remove(id);
      return { workers: forgotten, deliveryIds };
    },
  };
}
