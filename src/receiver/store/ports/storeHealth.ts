/** What readiness asks the store: can it keep what ingest acknowledges. */
export interface StoreHealth {
  /** Proves the store can write now (readiness): throws when it cannot. */
  checkWritable(): Promise<void>;
  /**
   * How many bytes the store can still grow by, where it can tell (SQLite: the free space of its file system, or
   * of its page cap when lower); undefined where it cannot (PostgreSQL: the server's disk is its own). Readiness
   * reports a store without room for a summary, before a write fails.
   */
  roomLeft?(): Promise<number | undefined>;
}
