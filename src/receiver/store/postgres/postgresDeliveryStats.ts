import { z } from 'zod';
import {
  dayCountsSql,
  dayPercentileRanksSql,
  toDeliveryDays,
  windowParticipantsSql,
  type DaysDialect,
} from '../deliveryDaysQueries';
import type { DeliveryStats } from '../ports/deliveryStats';
import type { PostgresConnection } from './postgresConnection';

const POSTGRES: DaysDialect = {
  // The day starts are one timestamptz[] parameter.
  spans: `SELECT (a.ord - 1)::integer AS day, a.start AS day_start, b.start AS day_end
    FROM unnest($1::timestamptz[]) WITH ORDINALITY AS a(start, ord)
    JOIN unnest($1::timestamptz[]) WITH ORDINALITY AS b(start, ord) ON b.ord = a.ord + 1`,
  durationMs: '(EXTRACT(EPOCH FROM (d.delivered_at - d.open_since)) * 1000)::float8',
  first: '($1::timestamptz[])[1]',
  last: '($1::timestamptz[])[cardinality($1::timestamptz[])]',
};

export function postgresDeliveryStats({ transaction }: PostgresConnection): DeliveryStats {
  return {
    async deliveryDays(dayStarts) {
      // The three queries from one snapshot.
      return transaction(
        async (db) =>
          toDeliveryDays(Math.max(0, dayStarts.length - 1), z.boolean(), {
            counts: (await db.query(dayCountsSql(POSTGRES), [dayStarts])).rows,
            ranks: (await db.query(dayPercentileRanksSql(POSTGRES), [dayStarts])).rows,
            participants: (await db.query(windowParticipantsSql(POSTGRES), [dayStarts])).rows,
          }),
        'snapshot',
      );
    },
  };
}
