import { z } from 'zod';
import { toDeliveryWindow, windowDeliveriesSql, windowParticipantsSql } from '../deliveryWindowQueries';
import type { DeliveryStats } from '../ports/deliveryStats';
import { integer } from '../storedRowReaders';
import type { SqliteConnection } from './sqliteConnection';

const CODECS = {
  date: integer.transform((ms) => new Date(ms)),
  optionalDate: integer.nullable().transform((ms) => (ms === null ? undefined : new Date(ms))),
  bool: z.union([z.literal(0), z.literal(1)]).transform((flag) => flag === 1),
};

export function sqliteDeliveryStats({ db, sql }: SqliteConnection): DeliveryStats {
  return {
    async deliveryWindow(since) {
      // A (deferred) read transaction: the deliveries and their participants' outcomes from one snapshot.
      return db.transaction(() =>
        toDeliveryWindow(
          CODECS,
          sql(windowDeliveriesSql('?')).all(since.getTime()),
          sql(windowParticipantsSql('?')).all(since.getTime()),
        ),
      )();
    },
  };
}
