import type { PoolClient } from 'pg';
import { z } from 'zod';
import type { ParticipantKey, ParticipantKeyStore } from '../ports/participantKeys';
import {
  LOOKUP_SEED_SETTING,
  MAX_LOOKUP_HITS,
  PARTICIPANT_KEYS_ID_SETTING,
  toKeyablePayload,
  toParticipantKeyHit,
} from '../participantKeyRows';
import type { PostgresConnection } from './postgresConnection';

export function postgresParticipantKeys({ pool, transaction }: PostgresConnection): ParticipantKeyStore {
  const readSetting = async (key: string): Promise<unknown> =>
    (await pool.query('SELECT value FROM settings WHERE key = $1', [key])).rows[0]?.value as unknown;

  return {
    async findByParticipantKeys(query) {
      if (query.hashes.length === 0) return [];
      const result = await pool.query(
        `SELECT DISTINCT ON (e.received_at, k.delivery_id, k.participant_index)
             k.delivery_id, k.participant_index, k.key_kind, d.conversation_id, d.target, e.received_at
           FROM participant_keys k
           JOIN deliveries d ON d.id = k.delivery_id
           JOIN events e ON e.id = d.event_id
         WHERE k.key_hash = ANY($1::text[])
           AND ($2::timestamptz IS NULL OR e.received_at >= $2)
           AND ($3::text IS NULL OR d.target = $3)
         ORDER BY e.received_at DESC, k.delivery_id DESC, k.participant_index, k.key_kind
         LIMIT $4`,
        [query.hashes, query.receivedSince ?? null, query.target ?? null, query.limit ?? MAX_LOOKUP_HITS],
      );
      return result.rows.map((row) => toParticipantKeyHit(row, z.date()));
    },

    async replaceParticipantKeys(request) {
      return transaction(async (db) => {
        // FOR UPDATE: a newer payload accepted right now either waits for this or has replaced the event already.
        const holds = await db.query(
          `SELECT 1 FROM deliveries WHERE id = $1 AND event_id = $2 AND payload_removed_at IS NULL FOR UPDATE`,
          [request.deliveryId, request.eventId],
        );
        if (holds.rowCount === 0) return false;
        await writeParticipantKeys(db, request.deliveryId, request.keys);
        return true;
      });
    },

    async listKeyablePayloads(page) {
      if (page.limit < 1) return [];
      const result = await pool.query(
        `SELECT d.id, d.event_id, e.raw_body FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.id > $1 AND e.raw_body IS NOT NULL AND d.payload_removed_at IS NULL
         ORDER BY d.id LIMIT $2`,
        [page.afterDeliveryId ?? '', page.limit],
      );
      return result.rows.map(toKeyablePayload);
    },

    async claimLookupSeed(candidate) {
      // ON CONFLICT waits for a replica storing its own seed at this moment; then that one is read back.
      await pool.query(
        `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2::jsonb, now()) ON CONFLICT (key) DO NOTHING`,
        [LOOKUP_SEED_SETTING, JSON.stringify(candidate)],
      );
      return z.string().parse(await readSetting(LOOKUP_SEED_SETTING));
    },

    async readParticipantKeysId() {
      const value = await readSetting(PARTICIPANT_KEYS_ID_SETTING);
      return typeof value === 'string' ? value : undefined;
    },

    async writeParticipantKeysId(keyId) {
      await pool.query(
        `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2::jsonb, now())
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        [PARTICIPANT_KEYS_ID_SETTING, JSON.stringify(keyId)],
      );
    },
  };
}

/** Replaces a delivery's lookup rows, inside the caller's transaction (a `new` delivery has none to delete). */
export async function writeParticipantKeys(
  db: PoolClient,
  deliveryId: string,
  keys: readonly ParticipantKey[],
  delivery: 'new' | 'held' = 'held',
): Promise<void> {
  if (delivery === 'held') await db.query('DELETE FROM participant_keys WHERE delivery_id = $1', [deliveryId]);
  if (keys.length === 0) return;
  await db.query(
    `INSERT INTO participant_keys (delivery_id, participant_index, key_kind, key_hash)
     SELECT $1, k.participant_index, k.key_kind, k.key_hash
       FROM unnest($2::integer[], $3::text[], $4::text[]) AS k (participant_index, key_kind, key_hash)
     ON CONFLICT DO NOTHING`,
    [deliveryId, keys.map((key) => key.participantIndex), keys.map((key) => key.kind), keys.map((key) => key.hash)],
  );
}
