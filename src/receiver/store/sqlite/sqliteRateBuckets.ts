import type { RateBuckets } from '../ports/rateBuckets';
import { takeFromBucket } from '../rateBucket';
import type { SqliteConnection } from './sqliteConnection';
import { toRateBucket } from './sqliteRows';

export function sqliteRateBuckets({ sql, writeTransaction }: SqliteConnection): RateBuckets {
  return {
    async takeRateToken(request) {
      const now = request.now.getTime();
      // Read and written back under the write lock: every process on the file shares the bucket.
      return writeTransaction(() => {
        const row = sql('SELECT tokens, refilled_at, paused_until FROM rate_buckets WHERE key = ?').get(request.key);
        const take = takeFromBucket(row === undefined ? undefined : toRateBucket(row), now, request.perMinute);
        sql(
          `INSERT INTO rate_buckets (key, tokens, refilled_at) VALUES (@key, @tokens, @refilledAt)
           ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, refilled_at = excluded.refilled_at`,
        ).run({ key: request.key, tokens: take.tokens, refilledAt: take.refilledAt });
        return take.waitMs;
      });
    },

    async pauseRateBucket(request) {
      sql(
        `INSERT INTO rate_buckets (key, paused_until) VALUES (@key, @until)
         ON CONFLICT (key) DO UPDATE SET paused_until = CASE
           WHEN rate_buckets.paused_until IS NULL OR rate_buckets.paused_until < excluded.paused_until
           THEN excluded.paused_until ELSE rate_buckets.paused_until END`,
      ).run({ key: request.key, until: request.until.getTime() });
    },
  };
}
