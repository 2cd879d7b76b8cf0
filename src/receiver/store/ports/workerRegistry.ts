/**
 * How a store tells that a registered worker no longer runs:
 * - `process_lock` (SQLite): the worker's process holds a lock of its own for as long as it runs, which the operating
 *   system drops when the process dies (SIGKILL and power loss included); a free lock is a dead worker, at once;
 * - `heartbeat` (PostgreSQL, replicas on several hosts): a worker that has not beaten for `silentBeats` of its OWN
 *   beat intervals, measured on the database's clock (each beat is stamped with the database's time, never the
 *   worker's): replicas need not agree on the time of day nor on WORKER_HEARTBEAT_SECONDS.
 */
export type WorkerLiveness = 'process_lock' | 'heartbeat';

/** The workers an abandoned-delivery pass found dead, and the deliveries it took back from them. */
export interface TakenBack {
  workers: string[];
  deliveryIds: string[];
}

/**
 * The delivery workers running on the database, so that the deliveries of one that died are taken back at once
 * instead of waiting for their lease to run out. A worker registers (its first beat) before it claims anything and
 * retires after it gave its claims back. Deliveries locked by a worker that never registered (an older version during
 * a rolling upgrade, a test's bare worker) are never taken back: their lease decides.
 */
export interface WorkerRegistry {
  readonly workerLiveness: WorkerLiveness;
  /**
   * Registers `workerId` as running, or says it still runs, and records how often it beats (`intervalMs`: the others
   * judge its silence by it). `now` is the worker's clock, kept for the record where the store has no clock of its
   * own (SQLite); PostgreSQL stamps the beat with its own `now()`. SQLite: the first beat takes the worker's lock in
   * this process, before the worker is registered.
   */
  beatWorker(beat: { workerId: string; now: Date; intervalMs: number }): Promise<void>;
  /** Removes the worker (graceful stop, after it gave its deliveries back); SQLite: releases its lock. */
  retireWorker(workerId: string): Promise<void>;
  /**
   * Finds the registered workers other than `workerId` that no longer run (see WorkerLiveness; `silentBeats` is the
   * heartbeat's bound, in each worker's own intervals), removes them, and ends the leases of the deliveries they hold
   * at `now` (the caller's clock, the one its claims compare leases with): the next claim takes those as expired
   * leases (a `lease_expired` attempt in the log, so the next attempt looks in the CRM for notes the dead worker wrote
   * but never recorded). Atomic with claims and results: a delivery settled or claimed meanwhile is left alone.
   */
  takeBackAbandoned(request: { workerId: string; now: Date; silentBeats: number }): Promise<TakenBack>;
}
