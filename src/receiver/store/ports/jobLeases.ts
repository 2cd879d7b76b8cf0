/** A background job that one replica runs at a time (the DCI poller), as the store holds it. */
export interface JobState {
  holder?: string | undefined;
  heldUntil?: Date | undefined;
  /** What the job saved (JSON); undefined before its first save. */
  state?: unknown;
  updatedAt?: Date | undefined;
}

/** Named leases that let one replica at a time run a background job, and the state each job saves. */
export interface JobLeases {
  /**
   * Takes the named lease for `holder` until `now + leaseMs` when it is free, expired or already `holder`'s (then it
   * is renewed): true when `holder` holds it now. Atomic: two replicas never both get it.
   */
  takeLease(request: { name: string; holder: string; now: Date; leaseMs: number }): Promise<boolean>;
  /** Gives the lease up (shutdown), when `holder` holds it. */
  releaseLease(request: { name: string; holder: string }): Promise<void>;
  /** The named job's lease and saved state; undefined when it never ran. */
  readJobState(name: string): Promise<JobState | undefined>;
  /** Saves the job's state (JSON-serialisable) when `holder` still holds the lease; false when it lost it. */
  writeJobState(request: { name: string; holder: string; state: unknown; now: Date }): Promise<boolean>;
}
