import { z } from 'zod';
import type { ParticipantKeyStore } from '../ports/participantKeys';
import {
  LOOKUP_SEED_SETTING,
  PARTICIPANT_KEYS_ID_SETTING,
  toKeyablePayload,
  toParticipantKeyHit,
  MAX_LOOKUP_HITS,
} from '../participantKeyRows';
import { insertParticipantKeys } from './sqliteAccept';
import type { SqliteConnection } from './sqliteConnection';

const millis = z
  .number()
  .int()
  .transform((ms) => new Date(ms));

export function sqliteParticipantKeys({ sql, writeTransaction }: SqliteConnection): ParticipantKeyStore {
  const readSetting = (key: string): unknown => {
    const row = z
      .object({ value: z.string() })
      .optional()
      .parse(sql('SELECT value FROM settings WHERE key = ?').get(key));
    return row === undefined ? undefined : (JSON.parse(row.value) as unknown);
  };

  return {
    async findByParticipantKeys(query) {
      if (query.hashes.length === 0) return [];
      return sql(
        `SELECT k.delivery_id, k.participant_index, k.key_kind, d.conversation_id, d.target, e.received_at
           FROM participant_keys k
           JOIN deliveries d ON d.id = k.delivery_id
           JOIN events e ON e.id = d.event_id
         WHERE k.key_hash IN (SELECT value FROM json_each(@hashes))
           AND (@since IS NULL OR e.received_at >= @since)
           AND (@target IS NULL OR d.target = @target)
         GROUP BY k.delivery_id, k.participant_index
         ORDER BY e.received_at DESC, k.delivery_id DESC, k.participant_index
         LIMIT @limit`,
      )
        .all({
          hashes: JSON.stringify(query.hashes),
          since: query.receivedSince?.getTime() ?? null,
          target: query.target ?? null,
          limit: query.limit ?? MAX_LOOKUP_HITS,
        })
        .map((row) => toParticipantKeyHit(row, millis));
    },

    async replaceParticipantKeys(request) {
      return writeTransaction(() => {
        const holds = sql('SELECT 1 FROM deliveries WHERE id = ? AND event_id = ? AND payload_removed_at IS NULL').get(
          request.deliveryId,
          request.eventId,
        );
        if (holds === undefined) return false;
        sql('DELETE FROM participant_keys WHERE delivery_id = ?').run(request.deliveryId);
        insertParticipantKeys(sql, request.deliveryId, request.keys);
        return true;
      });
    },

    async listKeyablePayloads(page) {
      if (page.limit < 1) return [];
      return sql(
        `SELECT d.id, d.event_id, e.raw_body FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.id > @after AND e.raw_body IS NOT NULL AND d.payload_removed_at IS NULL
         ORDER BY d.id LIMIT @limit`,
      )
        .all({ after: page.afterDeliveryId ?? '', limit: page.limit })
        .map(toKeyablePayload);
    },

    async claimLookupSeed(candidate) {
      return writeTransaction(() => {
        sql(
          `INSERT INTO settings (key, value, updated_at) VALUES (@key, @value, @now) ON CONFLICT (key) DO NOTHING`,
        ).run({ key: LOOKUP_SEED_SETTING, value: JSON.stringify(candidate), now: Date.now() });
        return z.string().parse(readSetting(LOOKUP_SEED_SETTING));
      });
    },

    async readParticipantKeysId() {
      const value = readSetting(PARTICIPANT_KEYS_ID_SETTING);
      return typeof value === 'string' ? value : undefined;
    },

    async writeParticipantKeysId(keyId) {
      sql(
        `INSERT INTO settings (key, value, updated_at) VALUES (@key, @value, @now)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ).run({ key: PARTICIPANT_KEYS_ID_SETTING, value: JSON.stringify(keyId), now: Date.now() });
    },
  };
}
