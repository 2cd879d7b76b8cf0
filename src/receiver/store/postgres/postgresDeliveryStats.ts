import { z } from 'zod';
import { toDeliveryWindow, windowDeliveriesSql, windowParticipantsSql } from '../deliveryWindowQueries';
import type { DeliveryStats } from '../ports/deliveryStats';
import type { PostgresConnection } from './postgresConnection';

const CODECS = {
  date: z.date(),
  optionalDate: z
    .date()
    .nullable()
    .transform((value) => value ?? undefined),
  bool: z.boolean(),
};

export function postgresDeliveryStats({ transaction }: PostgresConnection): DeliveryStats {
  return {
    async deliveryWindow(since) {
      // The deliveries and their participants' outcomes from one snapshot.
      return transaction(
        async (db) =>
          toDeliveryWindow(
            CODECS,
            (await db.query(windowDeliveriesSql('$1'), [since])).rows,
            (await db.query(windowParticipantsSql('$1'), [since])).rows,
          ),
        'snapshot',
      );
    },
  };
}
