import type Database from 'better-sqlite3';
import { eventInstant, isStale, payloadReplacement } from '../deliveryTransitions';
import type { AcceptedSummary, AcceptResult } from '../ports/deliveryQueue';
import type { ParticipantKey } from '../ports/participantKeys';
import { foldForSearch } from '../searchText';
import { PAYLOAD_HELD, toId } from '../storedRowReaders';
import { SUMMARY_EVENT_TYPE } from '../storedValues';
import { timeOrderedId } from '../timeOrderedId';
import type { PreparedSql } from './sqliteConnection';
import { toHeldDelivery } from './sqliteRows';

// Storing accepted summaries in SQLite: what the store does in its own connection, and what the accept thread
// (sqliteAcceptWorker.ts) does in its connection. One implementation for both.

/** What became of one accept of a burst: stored (or a duplicate), or refused with the error. */
export type AcceptOutcome = { ok: true; result: AcceptResult } | { ok: false; error: unknown };

const DATABASE_REFUSED = /^SQLITE_(BUSY|LOCKED|FULL|READONLY|IOERR|CANTOPEN|PERM|CORRUPT|NOTADB)/u;

/**
 * Applies a burst of accepts in one `BEGIN IMMEDIATE` transaction: one commit for all. When one accept fails and the
 * whole burst rolls back, each accept is applied in a transaction of its own, so only the one that fails is refused. Savepoints per accept would keep the others without a
 * second pass, but cost two statements on every accept of every burst.
 */
export function applyAccepts(
  db: Database.Database,
  sql: PreparedSql,
  summaries: readonly AcceptedSummary[],
): AcceptOutcome[] {
  try {
    return db
      .transaction(() => summaries.map((summary): AcceptOutcome => ({ ok: true, result: acceptOne(sql, summary) })))
      .immediate();
  } catch (error) {
    // The database itself refused (locked past the busy timeout, full, read-only, failing): every accept would
    // meet the same, each after its own wait, so the whole burst is refused at once.
    if (DATABASE_REFUSED.test(String((error as { code?: unknown }).code))) {
      return summaries.map((): AcceptOutcome => ({ ok: false, error }));
    }
    return summaries.map((summary): AcceptOutcome => {
      try {
        return { ok: true, result: db.transaction(() => acceptOne(sql, summary)).immediate() };
      } catch (error) {
        return { ok: false, error };
      }
    });
  }
}

/** The event already stored under `deliveryKey`, if any. */
export function eventIdForKey(sql: PreparedSql, deliveryKey: string): string | undefined {
  const row = sql('SELECT id FROM events WHERE delivery_key = ?').get(deliveryKey);
  return row === undefined ? undefined : toId(row);
}

function acceptOne(sql: PreparedSql, summary: AcceptedSummary): AcceptResult {
  const original = eventIdForKey(sql, summary.deliveryKey);
  if (original !== undefined) return { kind: 'duplicate', eventId: original };

  const now = summary.receivedAt.getTime();
  const eventTimestamp = eventInstant(summary.eventTimestamp);
  const heldRow = sql(
    `SELECT d.id, d.status, e.event_timestamp
       FROM deliveries d JOIN events e ON e.id = d.event_id
       WHERE d.conversation_id = @conversationId AND d.target = @target`,
  ).get({ conversationId: summary.conversationId, target: summary.target });
  const held = heldRow === undefined ? undefined : toHeldDelivery(heldRow);
  const stale = held !== undefined && isStale(eventTimestamp, held.eventTimestamp);

  const eventId = timeOrderedId();
  sql(
    `INSERT INTO events (id, delivery_key, scheme, event_type, disposition, conversation_id, event_timestamp,
         received_at, raw_body, source)
       VALUES (@eventId, @deliveryKey, @scheme, @eventType, @disposition, @conversationId, @eventTimestamp,
         @receivedAt, @rawBody, @source)`,
  ).run({
    eventId,
    deliveryKey: summary.deliveryKey,
    scheme: summary.scheme,
    eventType: SUMMARY_EVENT_TYPE,
    disposition: stale ? 'stale' : 'queued',
    conversationId: summary.conversationId,
    eventTimestamp,
    receivedAt: now,
    rawBody: summary.rawBody,
    source: summary.source ?? 'webhook',
  });

  const content = { eventId, title: summary.title, titleFolded: foldForSearch(summary.title), now };
  if (held === undefined) {
    const deliveryId = timeOrderedId();
    sql(
      `INSERT INTO deliveries (id, conversation_id, target, event_id, title, title_folded, status, version,
           attempts, next_attempt_at, created_at, open_since, updated_at)
         VALUES (@deliveryId, @conversationId, @target, @eventId, @title, @titleFolded, 'pending', 1, 0,
           @now, @now, @now, @now)`,
    ).run({ ...content, deliveryId, conversationId: summary.conversationId, target: summary.target });
    insertParticipantKeys(sql, deliveryId, summary.participantKeys ?? []);
    return { kind: 'queued', eventId, deliveryId };
  }
  if (stale) return { kind: 'stale', eventId, deliveryId: held.id };

  if (payloadReplacement(held.status) === 'keep_lease') {
    sql(
      `UPDATE deliveries SET event_id = @eventId, title = @title, title_folded = @titleFolded,
           version = version + 1, updated_at = @now, ${PAYLOAD_HELD}
         WHERE id = @deliveryId`,
    ).run({ ...content, deliveryId: held.id });
  } else {
    sql(
      `UPDATE deliveries SET event_id = @eventId, title = @title, title_folded = @titleFolded,
           version = version + 1, status = 'pending', attempts = 0, next_attempt_at = @now,
           last_error_code = NULL, last_error_message = NULL, updated_at = @now, ${PAYLOAD_HELD},
           open_since = CASE WHEN status IN ('delivered', 'dead') THEN @now ELSE open_since END
         WHERE id = @deliveryId`,
    ).run({ ...content, deliveryId: held.id });
  }
  writeParticipantKeys(sql, held.id, summary);
  return { kind: 'queued', eventId, deliveryId: held.id };
}

/** The delivery's lookup rows become the new payload's (none when it brought none). */
function writeParticipantKeys(sql: PreparedSql, deliveryId: string, summary: AcceptedSummary): void {
  sql('DELETE FROM participant_keys WHERE delivery_id = ?').run(deliveryId);
  insertParticipantKeys(sql, deliveryId, summary.participantKeys ?? []);
}

export function insertParticipantKeys(sql: PreparedSql, deliveryId: string, keys: readonly ParticipantKey[]): void {
  const insert = sql(
    `INSERT INTO participant_keys (delivery_id, participant_index, key_kind, key_hash)
       VALUES (@deliveryId, @participantIndex, @kind, @hash) ON CONFLICT DO NOTHING`,
  );
  for (const key of keys) {
    insert.run({ deliveryId, participantIndex: key.participantIndex, kind: key.kind, hash: key.hash });
  }
}
