import type { RateBuckets } from '../ports/rateBuckets';
import { takeFromBucket } from '../rateBucket';
import { single, type PostgresConnection } from './postgresConnection';
import { toRateBucket } from './postgresRows';

export function postgresRateBuckets({ pool, transaction }: PostgresConnection): RateBuckets {
  return {
    async takeRateToken(request) {
      const { key, now, perMinute } = request;
      return transaction(async (db) => {
        // The row first (full, as new), so there is always one to lock: every replica's take waits for the one
        // before it, and reads what that one left.
        await db.query('INSERT INTO rate_buckets (key) VALUES ($1) ON CONFLICT (key) DO NOTHING', [key]);
        const row = single(
          await db.query('SELECT tokens, refilled_at, paused_until FROM rate_buckets WHERE key = $1 FOR UPDATE', [key]),
          'the rate bucket',
        );
        const take = takeFromBucket(toRateBucket(row), now.getTime(), perMinute);
        await db.query('UPDATE rate_buckets SET tokens = $2, refilled_at = $3 WHERE key = $1', [
          key,
          take.tokens,
          new Date(take.refilledAt),
        ]);
        return take.waitMs;
      });
    },

    async pauseRateBucket(request) {
      // GREATEST ignores NULL: a bucket that was never paused takes `until`.
      await pool.query(
        `INSERT INTO rate_buckets (key, paused_until) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET paused_until = GREATEST(rate_buckets.paused_until, excluded.paused_until)`,
        [request.key, request.until],
      );
    },
  };
}
