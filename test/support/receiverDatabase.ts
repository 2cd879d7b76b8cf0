import { join } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';

const storedDeliverySchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  status: z.string(),
  attempts: z.number(),
  lastErrorCode: z.string().nullable(),
});

export type StoredDelivery = z.infer<typeof storedDeliverySchema>;

/**
 * The deliveries as a receiver process's SQLite database (`<dataDir>/receiver.sqlite`) holds them, read with a
 * read-only connection while the process may still run: what survived a kill is what is on disk.
 */
export function storedDeliveries(dataDir: string): StoredDelivery[] {
  return storedDeliveriesIn(join(dataDir, 'receiver.sqlite'));
}

/** The same from any receiver database file: a backup, or the database a restore kept aside. */
export function storedDeliveriesIn(file: string): StoredDelivery[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return z.array(storedDeliverySchema).parse(
      db
        .prepare(
          `SELECT id, conversation_id AS conversationId, status, attempts, last_error_code AS lastErrorCode
             FROM deliveries ORDER BY created_at, id`,
        )
        .all(),
    );
  } finally {
    db.close();
  }
}
