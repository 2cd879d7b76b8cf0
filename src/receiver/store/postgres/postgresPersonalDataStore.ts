import { ErasedDeliveries } from '../deliveryTransitions';
import { mentionsAddress } from '../mentionsAddress';
import { ERASED_MESSAGE, PAYLOAD_ERASED, type ErasureResult, type PersonalDataStore } from '../ports/personalDataStore';
import { escapeLike } from '../searchText';
import { toId, toIdAndStatus, toStoredPayload, toTraceRow } from '../storedRowReaders';
import type { PostgresConnection } from './postgresConnection';

export function postgresPersonalDataStore({ pool, transaction }: PostgresConnection): PersonalDataStore {
  return {
    async purgeDeliveredPayloads(request) {
      const { deliveredBefore: cutoff, now } = request;
      return transaction(async (db) => {
        // The deliveries first, locked by the UPDATE: a re-send reopening one of them waits for this purge, then puts
        // its new payload in.
        const purged = (
          await db.query(
            `UPDATE deliveries SET ${REMOVE_PERSONAL}
             WHERE status = 'delivered' AND delivered_at <= $3 AND payload_removed_at IS NULL
             RETURNING id`,
            ['retention', now, cutoff],
          )
        ).rows.map(toId);
        await db.query(`UPDATE participant_outcomes SET trace = '' WHERE delivery_id = ANY($1::text[])`, [purged]);
        await db.query('DELETE FROM participant_keys WHERE delivery_id = ANY($1::text[])', [purged]);
        // Every body of a conversation whose deliveries are all delivered before the cutoff: the delivered payload,
        // the ones it superseded, stale copies (also those arriving after an earlier purge).
        const payloads = await db.query(
          `UPDATE events SET raw_body = NULL
           WHERE raw_body IS NOT NULL
             AND conversation_id IN (
               SELECT conversation_id FROM deliveries WHERE status = 'delivered' AND delivered_at <= $1)
             AND NOT EXISTS (
               SELECT 1 FROM deliveries d WHERE d.conversation_id = events.conversation_id
                 AND NOT (d.status = 'delivered' AND d.delivered_at <= $1))`,
          [cutoff],
        );
        return { deliveries: purged.length, payloads: payloads.rowCount ?? 0 };
      });
    },

    async listStoredPayloads(page) {
      if (page.limit < 1) return [];
      const { rows } = await pool.query(
        'SELECT id, raw_body FROM events WHERE raw_body IS NOT NULL AND id > $1 ORDER BY id LIMIT $2',
        [page.afterEventId ?? '', page.limit],
      );
      return rows.map(toStoredPayload);
    },

    async erasePersonalData(request) {
      const { now } = request;
      const eventIds = [...request.eventIds];
      return transaction(async (db): Promise<ErasureResult> => {
        const held = (
          await db.query('SELECT id, status FROM deliveries WHERE event_id = ANY($1::text[]) ORDER BY id FOR UPDATE', [
            eventIds,
          ])
        ).rows.map(toIdAndStatus);
        const payloads = await db.query(
          'UPDATE events SET raw_body = NULL WHERE raw_body IS NOT NULL AND id = ANY($1::text[])',
          [eventIds],
        );
        const erased = new ErasedDeliveries();
        let traces = 0;
        for (const { id, status } of held) {
          if (erased.payloadErased(id, status)) {
            await db.query(`UPDATE deliveries SET ${REMOVE_PERSONAL}, ${ERASED_UNDELIVERED} WHERE id = $4`, [
              'erasure',
              now,
              ERASED_MESSAGE,
              id,
            ]);
          } else {
            await db.query(`UPDATE deliveries SET ${REMOVE_PERSONAL} WHERE id = $3`, ['erasure', now, id]);
          }
          traces +=
            (await db.query(`UPDATE participant_outcomes SET trace = '' WHERE delivery_id = $1 AND trace <> ''`, [id]))
              .rowCount ?? 0;
        }
        await db.query('DELETE FROM participant_keys WHERE delivery_id = ANY($1::text[])', [held.map(({ id }) => id)]);
        // Rows of another delivery with the person's own hashes (a payload that named them in a form the scan did
        // not find): a lookup by the erased e-mail or number finds nothing afterwards.
        if (request.participantKeyHashes !== undefined && request.participantKeyHashes.length > 0) {
          await db.query('DELETE FROM participant_keys WHERE key_hash = ANY($1::text[])', [
            [...request.participantKeyHashes],
          ]);
        }
        // Traces elsewhere that name the person (the outcomes of an earlier payload of the conversation): LIKE finds
        // candidates, mentionsAddress keeps whole addresses only (not johanna@… for anna@…).
        const naming = (
          await db.query(
            `SELECT o.delivery_id, o.participant_index, o.trace, d.status FROM participant_outcomes o
               JOIN deliveries d ON d.id = o.delivery_id
             WHERE lower(o.trace) LIKE $1 ESCAPE '\\' ORDER BY o.delivery_id, o.participant_index
             FOR UPDATE OF o`,
            [`%${escapeLike(request.email)}%`],
          )
        ).rows
          .map(toTraceRow)
          .filter((row) => mentionsAddress(row.trace, request.email));
        for (const row of naming) {
          traces +=
            (
              await db.query(
                `UPDATE participant_outcomes SET trace = '' WHERE delivery_id = $1 AND participant_index = $2`,
                [row.deliveryId, row.participantIndex],
              )
            ).rowCount ?? 0;
          erased.traceRemoved(row.deliveryId, row.status);
        }
        const removed = await db.query('DELETE FROM contact_index WHERE email = $1 RETURNING target', [request.email]);
        await db.query(
          `UPDATE contact_index_state s SET size = (SELECT COUNT(*) FROM contact_index c WHERE c.target = s.target)
           WHERE s.target = ANY($1::text[])`,
          [[...new Set(removed.rows.map((row: { target: string }) => row.target))]],
        );
        return {
          payloads: payloads.rowCount ?? 0,
          deliveries: erased.touched,
          traces,
          contactIndexEntries: removed.rowCount ?? 0,
        };
      });
    },
  };
}

/**
 * The delivery's own personal data: the meeting title (and its search text), with $1 the reason and $2 the time.
 * Its traces are cleared alongside.
 */
const REMOVE_PERSONAL = `title = '', title_folded = '', payload_removed_reason = $1, payload_removed_at = $2,
  updated_at = $2`;

/** An erased delivery that was not delivered yet: dead, for good (requeue refuses it), with the reason shown. */
const ERASED_UNDELIVERED = `status = 'dead', next_attempt_at = NULL, locked_by = NULL, locked_until = NULL,
  last_error_code = '${PAYLOAD_ERASED}', last_error_message = $3`;
