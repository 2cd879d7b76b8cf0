import { ErasedDeliveries } from '../deliveryTransitions';
import { mentionsAddress } from '../mentionsAddress';
import { ERASED_MESSAGE, PAYLOAD_ERASED, type ErasureResult, type PersonalDataStore } from '../ports/personalDataStore';
import { escapeLike } from '../searchText';
import { toId, toIdAndStatus, toStoredPayload, toTraceRow } from '../storedRowReaders';
import type { SqliteConnection } from './sqliteConnection';

/**
 * Removal on SQLite leaves nothing behind in the file: it runs with secure_delete on, and checkpoints the WAL when it
 * is done.
 */
export function sqlitePersonalDataStore(connection: SqliteConnection): PersonalDataStore {
  const { db, sql, writeTransaction } = connection;

  /**
   * Runs `work` with secure_delete on: the pages and cells it frees are overwritten with zeros, so removed personal
   * data does not linger in the file's free space.
   */
  function withSecureDelete<T>(work: () => T): T {
    db.pragma('secure_delete = ON');
    try {
      return work();
    } finally {
      db.pragma('secure_delete = OFF');
    }
  }

  /** Copies the WAL into the database file and empties it, so no earlier version of a removed row stays in the WAL. */
  function checkpoint(): void {
    db.pragma('wal_checkpoint(TRUNCATE)');
  }

  return {
    async purgeDeliveredPayloads(request) {
      const params = { cutoff: request.deliveredBefore.getTime(), now: request.now.getTime() };
      const result = withSecureDelete(() =>
        writeTransaction(() => {
          const purged = sql(
            `SELECT id FROM deliveries WHERE status = 'delivered' AND delivered_at <= @cutoff
               AND payload_removed_at IS NULL`,
          )
            .all(params)
            .map(toId);
          const scrub = sql(`UPDATE deliveries SET ${REMOVE_PERSONAL} WHERE id = @deliveryId`);
          const clearTraces = sql(`UPDATE participant_outcomes SET trace = '' WHERE delivery_id = @deliveryId`);
          const dropKeys = sql('DELETE FROM participant_keys WHERE delivery_id = @deliveryId');
          for (const deliveryId of purged) {
            scrub.run({ deliveryId, reason: 'retention', now: params.now });
            clearTraces.run({ deliveryId });
            dropKeys.run({ deliveryId });
          }
          // Every body of a conversation whose deliveries are all delivered before the cutoff: the delivered payload,
          // the ones it superseded, stale copies (also those arriving after an earlier purge).
          const payloads = sql(
            `UPDATE events SET raw_body = NULL
             WHERE raw_body IS NOT NULL
               AND conversation_id IN (
                 SELECT conversation_id FROM deliveries WHERE status = 'delivered' AND delivered_at <= @cutoff)
               AND NOT EXISTS (
                 SELECT 1 FROM deliveries d WHERE d.conversation_id = events.conversation_id
                   AND NOT (d.status = 'delivered' AND d.delivered_at <= @cutoff))`,
          ).run({ cutoff: params.cutoff }).changes;
          return { deliveries: purged.length, payloads };
        }),
      );
      checkpoint();
      return result;
    },

    async listStoredPayloads(page) {
      if (page.limit < 1) return [];
      return sql(`SELECT id, raw_body FROM events WHERE raw_body IS NOT NULL AND id > @after ORDER BY id LIMIT @limit`)
        .all({ after: page.afterEventId ?? '', limit: page.limit })
        .map(toStoredPayload);
    },

    async erasePersonalData(request) {
      const now = request.now.getTime();
      const eventIds = JSON.stringify(request.eventIds);
      const result = withSecureDelete(() =>
        writeTransaction((): ErasureResult => {
          const held = sql(
            `SELECT id, status FROM deliveries WHERE event_id IN (SELECT value FROM json_each(@eventIds)) ORDER BY id`,
          )
            .all({ eventIds })
            .map(toIdAndStatus);
          const payloads = sql(
            `UPDATE events SET raw_body = NULL
             WHERE raw_body IS NOT NULL AND id IN (SELECT value FROM json_each(@eventIds))`,
          ).run({ eventIds }).changes;
          const erased = new ErasedDeliveries();
          let traces = 0;
          for (const { id, status } of held) {
            const dead = erased.payloadErased(id, status);
            sql(`UPDATE deliveries SET ${REMOVE_PERSONAL}${dead ? `, ${ERASED_UNDELIVERED}` : ''} WHERE id = @id`).run({
              id,
              reason: 'erasure',
              now,
              code: PAYLOAD_ERASED,
              message: ERASED_MESSAGE,
            });
            traces += sql(`UPDATE participant_outcomes SET trace = '' WHERE delivery_id = ? AND trace <> ''`).run(
              id,
            ).changes;
          }
          const dropKeys = sql('DELETE FROM participant_keys WHERE delivery_id = ?');
          for (const { id } of held) dropKeys.run(id);
          // Rows of another delivery with the person's own hashes (a payload that named them in a form the scan did
          // not find): a lookup by the erased e-mail or number finds nothing afterwards.
          const dropHash = sql('DELETE FROM participant_keys WHERE key_hash = ?');
          for (const hash of request.participantKeyHashes ?? []) dropHash.run(hash);
          // Traces elsewhere that name the person (the outcomes of an earlier payload of the conversation): LIKE
          // finds candidates, mentionsAddress keeps whole addresses only (not johanna@… for anna@…).
          const naming = sql(
            `SELECT o.delivery_id, o.participant_index, o.trace, d.status FROM participant_outcomes o
               JOIN deliveries d ON d.id = o.delivery_id
             WHERE lower(o.trace) LIKE @pattern ESCAPE '\\' ORDER BY o.delivery_id, o.participant_index`,
          )
            .all({ pattern: `%${escapeLike(request.email)}%` })
            .map(toTraceRow)
            .filter((row) => mentionsAddress(row.trace, request.email));
          const clearTrace = sql(
            `UPDATE participant_outcomes SET trace = '' WHERE delivery_id = @deliveryId
               AND participant_index = @participantIndex`,
          );
          for (const row of naming) {
            traces += clearTrace.run({ deliveryId: row.deliveryId, participantIndex: row.participantIndex }).changes;
            erased.traceRemoved(row.deliveryId, row.status);
          }
          const contactIndexEntries = sql('DELETE FROM contact_index WHERE email = ?').run(request.email).changes;
          sql(
            'UPDATE contact_index_state SET size = (SELECT COUNT(*) FROM contact_index c WHERE c.target = contact_index_state.target)',
          ).run();
          return { payloads, deliveries: erased.touched, traces, contactIndexEntries };
        }),
      );
      checkpoint();
      return result;
    },
  };
}

/** The delivery's own personal data: the meeting title (and its search text). Its traces are cleared alongside. */
const REMOVE_PERSONAL = `title = '', title_folded = '', payload_removed_reason = @reason, payload_removed_at = @now,
  updated_at = @now`;

/** An erased delivery that was not delivered yet: dead, for good (requeue refuses it), with the reason shown. */
const ERASED_UNDELIVERED = `status = 'dead', next_attempt_at = NULL, locked_by = NULL, locked_until = NULL,
  last_error_code = @code, last_error_message = @message`;
