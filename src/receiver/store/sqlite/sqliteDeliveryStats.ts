import { z } from 'zod';
import {
  dayCountsSql,
  dayPercentileRanksSql,
  toDeliveryDays,
  windowParticipantsSql,
  type DaysDialect,
} from '../deliveryDaysQueries';
import type { DeliveryStats } from '../ports/deliveryStats';
import type { SqliteConnection } from './sqliteConnection';

const SQLITE: DaysDialect = {
  // The day starts are one JSON array of epoch milliseconds.
  spans: `SELECT a.key AS day, a.value AS day_start, b.value AS day_end
    FROM json_each(@starts) a JOIN json_each(@starts) b ON b.key = a.key + 1`,
  durationMs: '(d.delivered_at - d.open_since)',
  first: "json_extract(@starts, '$[0]')",
  last: "json_extract(@starts, '$[#-1]')",
};
const BOOL = z.union([z.literal(0), z.literal(1)]).transform((flag) => flag === 1);

export function sqliteDeliveryStats({ db, sql }: SqliteConnection): DeliveryStats {
  return {
    async deliveryDays(dayStarts) {
      const ms = dayStarts.map((start) => start.getTime());
      const starts = { starts: JSON.stringify(ms) };
      // A (deferred) read transaction: the three queries see one snapshot.
      return db.transaction(() =>
        toDeliveryDays(Math.max(0, ms.length - 1), BOOL, {
          counts: sql(dayCountsSql(SQLITE)).all(starts),
          ranks: sql(dayPercentileRanksSql(SQLITE)).all(starts),
          participants: sql(windowParticipantsSql(SQLITE)).all(starts),
        }),
      )();
    },
  };
}
