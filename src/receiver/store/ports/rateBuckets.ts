/** Request budgets shared by every process on the store (DCI's REST API allows so many requests a minute). */
export interface RateBuckets {
  /**
   * A token bucket shared by every process on this store (capacity `perMinute`, refilled at `perMinute` a minute,
   * full when new): takes one token and answers 0, or answers how many ms until one is free and takes none. While
   * the bucket is paused it answers the ms until the pause ends.
   */
  takeRateToken(request: { key: string; now: Date; perMinute: number }): Promise<number>;
  /** Pauses the bucket until `until` (a later pause wins; an earlier one changes nothing). */
  pauseRateBucket(request: { key: string; until: Date }): Promise<void>;
}
