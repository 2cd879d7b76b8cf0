import { mkdirSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { assertNever } from '../../core/assertNever';
import type { ContactIndexChange, ContactIndexEntry, ParticipantOutcome } from '../../crm/crmConnector';
import { latestPerPerson } from './latestPerPerson';
import { applySqliteMigrations } from './migrations/applySqliteMigrations';
import { SQLITE_MIGRATIONS } from './migrations/sqliteMigrations';
import { mentionsAddress } from './mentionsAddress';
import { escapeLike, foldForSearch } from './searchText';
import type {
  AcceptedSummary,
  AcceptResult,
  AttemptRecord,
  ClaimedDelivery,
  ContactDuplicate,
  DeliveryCounts,
  DeliveryDetail,
  DeliveryRow,
  DeliveryStatus,
  EnrichmentRecord,
  ErasureRequest,
  ErasureResult,
  HeldPayload,
  IgnoredEvent,
  JobState,
  ReceiverStore,
  RetentionPurgeResult,
  StoredPayload,
} from './receiverStore';
import { ERASED_MESSAGE, PAYLOAD_ERASED } from './receiverStore';
import {
  attemptParams,
  contactParams,
  outcomeParams,
  toAttemptRecord,
  toClaimedDelivery,
  toContactIndexEntry,
  toContactIndexState,
  toDeliveryRow,
  toEventBody,
  toEventRef,
  toId,
  toJobState,
  toOldest,
  toParticipantOutcome,
  toRateBucket,
  toSettingRow,
  toStatus,
  toStatusCount,
  toStoredPayload,
  toVersion,
} from './sqliteRows';
import {
  ATTEMPT_COLUMNS,
  CONTACT_COLUMNS,
  DELIVERY_COLUMNS,
  DELIVERY_FROM,
  enrichmentJson,
  OUTCOME_COLUMNS,
  toHeldPayload,
  toIdAndStatus,
  toTraceRow,
} from './storedRowReaders';
import { takeFromBucket } from './rateBucket';
import { applyAccepts, eventIdForKey, preparedOnce, synchronousOf, type PreparedSql } from './sqliteAccept';
import { SqliteAcceptThread, type AcceptThreadSettings } from './sqliteAcceptThread';
import { timeOrderedId } from './timeOrderedId';

/** Conversations per `heldPayloads` query: a list far longer than a poll's page is looked up in parts. */
const HELD_PAYLOADS_CHUNK = 500;

export interface SqliteStoreOptions {
  /** The database file; its directory is created when missing. */
  file: string;
  /** How long a statement waits for another connection's write lock before it fails, in ms. Default 5000. */
  busyTimeoutMs?: number | undefined;
  /**
   * Store accepted summaries on a worker thread with this entry file (the compiled `sqliteAcceptWorker.js`, see
   * `COMPILED_ACCEPT_WORKER`), off the thread that serves requests. Without it, accepts run on the store's own
   * connection.
   */
  acceptWorker?: string | undefined;
}

/** The connection settings the store's durability rests on, as SQLite reports them (for the start-up log). */
export interface SqliteSettings {
  journalMode: string;
  synchronous: 'off' | 'normal' | 'full' | 'extra';
  foreignKeys: boolean;
  busyTimeoutMs: number;
  /** The accept thread's connection (which stores every acknowledged summary), when the store has one. */
  acceptThread?: AcceptThreadSettings | undefined;
}

/** Opens (creating and migrating when needed) the SQLite database behind the receiver. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  let db: Database.Database;
  try {
    mkdirSync(dirname(options.file), { recursive: true });
    db = new Database(options.file, { timeout: options.busyTimeoutMs ?? 5000 });
  } catch (error) {
    throw cannotOpen(options.file, error);
  }
  try {
    // WAL lets the admin pages read while a worker writes; FULL syncs the WAL on every commit, so an acknowledged
    // summary survives a power cut, not only a crash of the process (NORMAL may lose the last commits).
    const journalMode = db.pragma('journal_mode = WAL', { simple: true });
    if (journalMode !== 'wal') {
      throw new Error(`SQLite cannot use WAL for ${options.file} (journal mode stays ${String(journalMode)})`);
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    applySqliteMigrations(db, SQLITE_MIGRATIONS, new Date());
  } catch (err) {
    db.close();
    throw cannotOpen(options.file, err);
  }
  if (options.acceptWorker === undefined) return new SqliteStore(db);
  try {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    return new SqliteStore(db, await SqliteAcceptThread.start(options.acceptWorker, { file: db.name, busyTimeoutMs }));
  } catch (error) {
    db.close();
    throw cannotOpen(options.file, error);
  }
}

const STORAGE_CODES = /^(SQLITE_(READONLY|CANTOPEN|FULL|IOERR|PERM)|EACCES|EPERM|EROFS|ENOSPC)/u;

/**
 * A database the receiver cannot write is a start-up failure with what to check (a receiver that ran on it could
 * acknowledge nothing); other errors pass unchanged.
 */
function cannotOpen(file: string, error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !STORAGE_CODES.test(code)) return error;
  return new Error(
    `The receiver cannot write its database ${file} (${code}): check that DATA_DIR exists, that the receiver's user may write to it and to the files in it, that its file system is mounted read-write and has free space.`,
    { cause: error },
  );
}

/**
 * ReceiverStore on SQLite. Several instances (processes) may share the file: every read-then-write runs in a
 * `BEGIN IMMEDIATE` transaction. A claim is identified by its worker and attempt number: a result for an attempt that
 * is no longer the delivery's current one is `lost`. Accepted summaries are stored by the accept thread on its own
 * connection when the store has one (the receiver's case), else on the store's connection.
 */
export class SqliteStore implements ReceiverStore {
  private readonly sql: PreparedSql;
  private readonly pendingAccepts: Array<{
    summary: AcceptedSummary;
    resolve: (result: AcceptResult) => void;
    reject: (error: unknown) => void;
  }> = [];

  constructor(
    private readonly db: Database.Database,
    private readonly acceptThread?: SqliteAcceptThread,
  ) {
    this.sql = preparedOnce(db);
  }

  /**
   * Accepts arrive in bursts (32 connections at once under load): the accepts of one event-loop turn share one
   * commit, which is on disk (synchronous = FULL) before any of them is answered. With an accept thread, that commit
   * is made on the thread while this one goes on serving requests (see SqliteAcceptThread).
   */
  async acceptSummary(summary: AcceptedSummary): Promise<AcceptResult> {
    if (this.acceptThread !== undefined) return this.acceptThread.accept(summary);
    return new Promise<AcceptResult>((resolve, reject) => {
      this.pendingAccepts.push({ summary, resolve, reject });
      if (this.pendingAccepts.length === 1) setImmediate(() => this.flushAccepts());
    });
  }

  private flushAccepts(): void {
    const batch = this.pendingAccepts.splice(0);
    const outcomes = applyAccepts(
      this.db,
      this.sql,
      batch.map(({ summary }) => summary),
    );
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok === true) pending.resolve(outcome.result);
      else pending.reject(outcome?.error);
    });
  }

  async recordIgnoredEvent(event: IgnoredEvent): Promise<{ eventId: string; duplicate: boolean }> {
    return this.writeTransaction(() => {
      const original = eventIdForKey(this.sql, event.deliveryKey);
      if (original !== undefined) return { eventId: original, duplicate: true };
      const eventId = timeOrderedId();
      this.sql(
        `INSERT INTO events (id, delivery_key, scheme, event_type, disposition, received_at)
         VALUES (@eventId, @deliveryKey, @scheme, @eventType, 'ignored', @receivedAt)`,
      ).run({
        eventId,
        deliveryKey: event.deliveryKey,
        scheme: event.scheme,
        eventType: event.eventType,
        receivedAt: event.receivedAt.getTime(),
      });
      return { eventId, duplicate: false };
    });
  }

  async claimDue(request: { workerId: string; now: Date; limit: number; leaseMs: number }): Promise<ClaimedDelivery[]> {
    if (request.limit < 1) return [];
    const now = request.now.getTime();
    // Select and mark in one BEGIN IMMEDIATE transaction, or two workers (in this process or another) read the
    // same due rows before either marks them, and both deliver them.
    return this.writeTransaction(() => {
      const due = this.sql(
        `SELECT d.id, d.conversation_id, d.target, d.event_id, d.version, d.attempts, d.open_since, e.raw_body
         FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE (d.status IN ('pending', 'retrying') AND d.next_attempt_at <= @now)
            OR (d.status = 'in_progress' AND d.locked_until <= @now)
         ORDER BY d.next_attempt_at, d.created_at, d.id
         LIMIT @limit`,
      )
        .all({ now, limit: request.limit })
        .map(toClaimedDelivery);
      const claim = this.sql(
        `UPDATE deliveries SET status = 'in_progress', locked_by = @workerId, locked_until = @lockedUntil,
           attempts = @attempt, updated_at = @now
         WHERE id = @deliveryId`,
      );
      // An attempt whose worker died (or overran its lease) left no record: note it in the audit trail, so the
      // attempt count and the attempt log agree.
      const expired = new Set(
        this.sql(`SELECT id FROM deliveries WHERE status = 'in_progress' AND locked_until <= @now`)
          .all({ now })
          .map((row) => String((row as { id: unknown }).id)),
      );
      const recordLost = this.sql(
        `INSERT INTO attempts (delivery_id, version, attempt, started_at, duration_ms, outcome, error_code, error_message)
         SELECT id, version, attempts, updated_at, MAX(@now - updated_at, 0), 'retry', 'lease_expired',
           'The receiver stopped (or overran its lease) during this attempt; another attempt took over.'
         FROM deliveries WHERE id = @deliveryId`,
      );
      for (const delivery of due) {
        if (expired.has(delivery.deliveryId)) recordLost.run({ deliveryId: delivery.deliveryId, now });
        claim.run({
          deliveryId: delivery.deliveryId,
          workerId: request.workerId,
          lockedUntil: now + request.leaseMs,
          attempt: delivery.attempt,
          now,
        });
      }
      return due;
    });
  }

  async completeDelivery(done: {
    deliveryId: string;
    workerId: string;
    version: number;
    attempt: AttemptRecord;
    outcomes: ParticipantOutcome[];
    enrichment?: EnrichmentRecord | undefined;
    now: Date;
  }): Promise<'delivered' | 'superseded' | 'lost'> {
    return this.writeTransaction(() => {
      const lease = this.endAttempt(done);
      if (lease === 'lost') return 'lost';
      this.replaceOutcomes(done.deliveryId, done.outcomes);
      // It describes the attempt that ended, whether or not a newer payload came meanwhile.
      if (done.enrichment !== undefined) this.recordEnrichment(done.deliveryId, done.enrichment);
      if (lease === 'superseded') return 'superseded';
      this.sql(
        `UPDATE deliveries SET status = 'delivered', next_attempt_at = NULL, locked_by = NULL, locked_until = NULL,
           last_error_code = NULL, last_error_message = NULL, delivered_at = @now, updated_at = @now
         WHERE id = @deliveryId`,
      ).run({ deliveryId: done.deliveryId, now: done.now.getTime() });
      return 'delivered';
    });
  }

  async retryDelivery(failed: {
    deliveryId: string;
    workerId: string;
    version: number;
    attempt: AttemptRecord;
    nextAttemptAt: Date;
    now: Date;
  }): Promise<'retrying' | 'superseded' | 'lost'> {
    return this.writeTransaction(() => {
      const lease = this.endAttempt(failed);
      if (lease !== 'current') return lease;
      this.sql(
        `UPDATE deliveries SET status = 'retrying', next_attempt_at = @nextAttemptAt, locked_by = NULL,
           locked_until = NULL, last_error_code = @errorCode, last_error_message = @errorMessage, updated_at = @now
         WHERE id = @deliveryId`,
      ).run({
        deliveryId: failed.deliveryId,
        nextAttemptAt: failed.nextAttemptAt.getTime(),
        errorCode: failed.attempt.errorCode ?? null,
        errorMessage: failed.attempt.errorMessage ?? null,
        now: failed.now.getTime(),
      });
      return 'retrying';
    });
  }

  async deadLetterDelivery(failed: {
    deliveryId: string;
    workerId: string;
    version: number;
    attempt: AttemptRecord;
    now: Date;
  }): Promise<'dead' | 'superseded' | 'lost'> {
    return this.writeTransaction(() => {
      const lease = this.endAttempt(failed);
      if (lease !== 'current') return lease;
      this.sql(
        `UPDATE deliveries SET status = 'dead', next_attempt_at = NULL, locked_by = NULL, locked_until = NULL,
           last_error_code = @errorCode, last_error_message = @errorMessage, updated_at = @now
         WHERE id = @deliveryId`,
      ).run({
        deliveryId: failed.deliveryId,
        errorCode: failed.attempt.errorCode ?? null,
        errorMessage: failed.attempt.errorMessage ?? null,
        now: failed.now.getTime(),
      });
      return 'dead';
    });
  }

  /** Back to pending and due now; the attempt it was counted as did not happen. Ignored unless `workerId` holds it. */
  async releaseDelivery(release: { deliveryId: string; workerId: string; now: Date }): Promise<void> {
    const params = { deliveryId: release.deliveryId, workerId: release.workerId, now: release.now.getTime() };
    this.writeTransaction(() => {
      // Logged (not counted): the attempt may have written notes before it was stopped, and the next one must look.
      this.sql(
        `INSERT INTO attempts (delivery_id, version, attempt, started_at, duration_ms, outcome, error_code, error_message)
         SELECT id, version, attempts, updated_at, MAX(@now - updated_at, 0), 'retry', 'released',
           'The receiver stopped during this attempt and gave it back; the next attempt looks for notes it may have written.'
         FROM deliveries WHERE id = @deliveryId AND status = 'in_progress' AND locked_by = @workerId`,
      ).run(params);
      this.sql(
        `UPDATE deliveries SET status = 'pending', attempts = MAX(attempts - 1, 0), next_attempt_at = @now,
           locked_by = NULL, locked_until = NULL, updated_at = @now
         WHERE id = @deliveryId AND status = 'in_progress' AND locked_by = @workerId`,
      ).run(params);
    });
  }

  /**
   * Dead or delivered: pending, attempts reset, last error cleared (the attempt log keeps it), max-age clock
   * restarted. Pending or retrying: due now, attempts kept ("retry now"). In progress or unknown: false.
   */
  async requeue(deliveryId: string, now: Date): Promise<boolean> {
    return this.writeTransaction(() => {
      // A delivery whose payload was removed has nothing left to deliver.
      const row = this.sql('SELECT status FROM deliveries WHERE id = ? AND payload_removed_at IS NULL').get(deliveryId);
      if (row === undefined) return false;
      const status = toStatus(row);
      switch (status) {
        case 'in_progress':
          return false;
        case 'pending':
        case 'retrying':
          this.sql(
            `UPDATE deliveries SET next_attempt_at = MIN(next_attempt_at, @now), updated_at = @now
             WHERE id = @deliveryId`,
          ).run({ deliveryId, now: now.getTime() });
          return true;
        case 'delivered':
        case 'dead':
          this.sql(`UPDATE deliveries SET ${REOPEN} WHERE id = @deliveryId`).run({ deliveryId, now: now.getTime() });
          return true;
        default:
          return assertNever(status);
      }
    });
  }

  async requeueAllDead(now: Date): Promise<number> {
    return this.sql(`UPDATE deliveries SET ${REOPEN} WHERE status = 'dead' AND payload_removed_at IS NULL`).run({
      now: now.getTime(),
    }).changes;
  }

  async listDeliveries(query: {
    status?: DeliveryStatus | undefined;
    search?: string | undefined;
    limit: number;
    offset?: number | undefined;
  }): Promise<DeliveryRow[]> {
    if (query.limit < 1) return [];
    const conditions: string[] = [];
    const params: Record<string, string | number> = { limit: query.limit, offset: query.offset ?? 0 };
    if (query.status !== undefined) {
      conditions.push('d.status = @status');
      params['status'] = query.status;
    }
    const search = query.search?.trim() ?? '';
    if (search !== '') {
      conditions.push(
        `(d.title_folded LIKE @titleContains ESCAPE '\\' OR d.conversation_id LIKE @idPrefix ESCAPE '\\')`,
      );
      params['titleContains'] = `%${escapeLike(foldForSearch(search))}%`;
      params['idPrefix'] = `${escapeLike(search)}%`;
    }
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    return this.sql(
      `SELECT ${DELIVERY_COLUMNS} FROM ${DELIVERY_FROM} ${where}
       ORDER BY d.created_at DESC, d.id DESC LIMIT @limit OFFSET @offset`,
    )
      .all(params)
      .map(toDeliveryRow);
  }

  async getDelivery(deliveryId: string): Promise<DeliveryDetail | undefined> {
    // A (deferred) read transaction: the row, its attempts and its outcomes come from one snapshot.
    return this.db.transaction((): DeliveryDetail | undefined => {
      const row = this.sql(`SELECT ${DELIVERY_COLUMNS}, d.event_id FROM ${DELIVERY_FROM} WHERE d.id = ?`).get(
        deliveryId,
      );
      if (row === undefined) return undefined;
      const attemptLog = this.sql(
        `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = ? ORDER BY started_at, seq`,
      ).all(deliveryId);
      const outcomes = this.sql(
        `SELECT ${OUTCOME_COLUMNS} FROM participant_outcomes WHERE delivery_id = ? ORDER BY participant_index`,
      ).all(deliveryId);
      return {
        ...toDeliveryRow(row),
        eventId: toEventRef(row),
        attemptLog: attemptLog.map(toAttemptRecord),
        outcomes: outcomes.map(toParticipantOutcome),
      };
    })();
  }

  async getEventBody(eventId: string): Promise<Buffer | undefined> {
    const row = this.sql('SELECT raw_body FROM events WHERE id = ?').get(eventId);
    return row === undefined ? undefined : toEventBody(row);
  }

  async counts(): Promise<DeliveryCounts> {
    return this.db.transaction((): DeliveryCounts => {
      const byStatus: Record<DeliveryStatus, number> = {
        pending: 0,
        in_progress: 0,
        retrying: 0,
        delivered: 0,
        dead: 0,
      };
      for (const row of this.sql('SELECT status, COUNT(*) AS count FROM deliveries GROUP BY status').all()) {
        const { status, count } = toStatusCount(row);
        byStatus[status] = count;
      }
      const oldest = toOldest(
        this.sql(`SELECT MIN(open_since) AS oldest FROM deliveries WHERE status NOT IN ('delivered', 'dead')`).get(),
      );
      return { byStatus, oldestOpenSince: oldest };
    })();
  }

  async readSettings(): Promise<Record<string, unknown>> {
    const settings: Record<string, unknown> = {};
    for (const row of this.sql('SELECT key, value FROM settings ORDER BY key').all()) {
      const { key, value } = toSettingRow(row);
      settings[key] = JSON.parse(value) as unknown;
    }
    return settings;
  }

  async writeSettings(values: Record<string, unknown | undefined>): Promise<void> {
    const now = Date.now();
    this.writeTransaction(() => {
      for (const [key, value] of Object.entries(values)) {
        if (value === undefined) {
          this.sql('DELETE FROM settings WHERE key = ?').run(key);
          continue;
        }
        this.sql(
          `INSERT INTO settings (key, value, updated_at) VALUES (@key, @value, @now)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        ).run({ key, value: JSON.stringify(value), now });
      }
    });
  }

  async replaceContactIndex(target: string, entries: readonly ContactIndexEntry[], syncedAt: Date): Promise<void> {
    const distinct = latestPerPerson(entries);
    this.writeTransaction(() => {
      this.sql('DELETE FROM contact_index WHERE target = ?').run(target);
      const insert = this.sql(
        `INSERT INTO contact_index (target, ${CONTACT_COLUMNS})
         VALUES (@target, @personId, @email, @mobileE164, @phoneE164, @companyId, @companyName, @companyMainE164,
           @inactive, @updatedAt)`,
      );
      for (const entry of distinct) insert.run(contactParams(target, entry));
      this.sql(
        `INSERT INTO contact_index_state (target, synced_at, size) VALUES (@target, @syncedAt, @size)
         ON CONFLICT (target) DO UPDATE SET synced_at = excluded.synced_at, size = excluded.size`,
      ).run({ target, syncedAt: syncedAt.getTime(), size: distinct.length });
    });
  }

  async updateContactIndex(target: string, entries: readonly ContactIndexEntry[]): Promise<void> {
    const distinct = latestPerPerson(entries);
    this.writeTransaction(() => {
      const upsert = this.sql(UPSERT_CONTACT);
      for (const entry of distinct) upsert.run(contactParams(target, entry));
      this.sql(
        `UPDATE contact_index_state SET size = (SELECT COUNT(*) FROM contact_index WHERE target = @target)
         WHERE target = @target`,
      ).run({ target });
    });
  }

  async applyContactChange(target: string, change: ContactIndexChange): Promise<void> {
    this.writeTransaction(() => {
      const companyIs = 'target = @target AND company_id = @companyId';
      for (const companyId of change.removeCompanies) {
        this.sql(
          `UPDATE contact_index SET company_id = NULL, company_name = NULL, company_main_e164 = NULL WHERE ${companyIs}`,
        ).run({ target, companyId: JSON.stringify(companyId) });
      }
      for (const company of change.companies) {
        this.sql(`UPDATE contact_index SET company_name = @name, company_main_e164 = @main WHERE ${companyIs}`).run({
          target,
          companyId: JSON.stringify(company.companyId),
          name: company.companyName ?? null,
          main: company.companyMainE164 ?? null,
        });
      }
      const upsert = this.sql(UPSERT_CONTACT);
      for (const entry of latestPerPerson(change.upsert)) upsert.run(contactParams(target, entry));
      const remove = this.sql('DELETE FROM contact_index WHERE target = ? AND person_id = ?');
      for (const personId of change.removePersons) remove.run(target, JSON.stringify(personId));
      this.sql(
        `UPDATE contact_index_state SET size = (SELECT COUNT(*) FROM contact_index WHERE target = @target)
         WHERE target = @target`,
      ).run({ target });
    });
  }

  async newestContactUpdate(target: string): Promise<string | undefined> {
    const row = this.sql('SELECT MAX(updated_at) AS newest FROM contact_index WHERE target = ?').get(target);
    return z.object({ newest: z.string().nullable() }).parse(row).newest ?? undefined;
  }

  async findContactCandidates(
    target: string,
    query: { emails: readonly string[]; phones: readonly string[] },
  ): Promise<ContactIndexEntry[]> {
    if (query.emails.length === 0 && query.phones.length === 0) return [];
    return this.sql(FIND_CONTACTS)
      .all({ target, emails: JSON.stringify(query.emails), phones: JSON.stringify(query.phones) })
      .map(toContactIndexEntry);
  }

  async contactIndexDuplicates(target: string, limit: number): Promise<ContactDuplicate[]> {
    const rows = this.sql(
      `SELECT kind, value, json_group_array(json(person_id)) AS ids FROM (
         SELECT 'email' AS kind, email AS value, person_id FROM contact_index WHERE target = @target AND email IS NOT NULL
         UNION
         SELECT 'phone', mobile_e164, person_id FROM contact_index WHERE target = @target AND mobile_e164 IS NOT NULL
         UNION
         SELECT 'phone', phone_e164, person_id FROM contact_index WHERE target = @target AND phone_e164 IS NOT NULL
       ) GROUP BY kind, value HAVING COUNT(*) > 1 ORDER BY COUNT(*) DESC, value LIMIT @limit`,
    ).all({ target, limit });
    return rows.map((row) => {
      const { kind, value, ids } = duplicateRowSchema.parse(row);
      return { kind, value, personIds: z.array(z.union([z.number(), z.string()])).parse(JSON.parse(ids)) };
    });
  }

  async contactIndexState(target: string): Promise<{ size: number; syncedAt?: Date | undefined }> {
    const row = this.sql('SELECT size, synced_at FROM contact_index_state WHERE target = ?').get(target);
    return row === undefined ? { size: 0 } : toContactIndexState(row);
  }

  async purgeDeliveredPayloads(request: { deliveredBefore: Date; now: Date }): Promise<RetentionPurgeResult> {
    const params = { cutoff: request.deliveredBefore.getTime(), now: request.now.getTime() };
    const result = this.withSecureDelete(() =>
      this.writeTransaction(() => {
        const purged = this.sql(
          `SELECT id FROM deliveries WHERE status = 'delivered' AND delivered_at <= @cutoff
             AND payload_removed_at IS NULL`,
        )
          .all(params)
          .map(toId);
        const scrub = this.sql(`UPDATE deliveries SET ${REMOVE_PERSONAL} WHERE id = @deliveryId`);
        const clearTraces = this.sql(`UPDATE participant_outcomes SET trace = '' WHERE delivery_id = @deliveryId`);
        for (const deliveryId of purged) {
          scrub.run({ deliveryId, reason: 'retention', now: params.now });
          clearTraces.run({ deliveryId });
        }
        // Every body of a conversation whose deliveries are all delivered before the cutoff: the delivered payload,
        // the ones it superseded, stale copies (also those arriving after an earlier purge).
        const payloads = this.sql(
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
    this.checkpoint();
    return result;
  }

  async listStoredPayloads(page: { afterEventId?: string | undefined; limit: number }): Promise<StoredPayload[]> {
    if (page.limit < 1) return [];
    return this.sql(
      `SELECT id, raw_body FROM events WHERE raw_body IS NOT NULL AND id > @after ORDER BY id LIMIT @limit`,
    )
      .all({ after: page.afterEventId ?? '', limit: page.limit })
      .map(toStoredPayload);
  }

  async erasePersonalData(request: ErasureRequest): Promise<ErasureResult> {
    const now = request.now.getTime();
    const eventIds = JSON.stringify(request.eventIds);
    const result = this.withSecureDelete(() =>
      this.writeTransaction((): ErasureResult => {
        const held = this.sql(
          `SELECT id, status FROM deliveries WHERE event_id IN (SELECT value FROM json_each(@eventIds)) ORDER BY id`,
        )
          .all({ eventIds })
          .map(toIdAndStatus);
        const payloads = this.sql(
          `UPDATE events SET raw_body = NULL
           WHERE raw_body IS NOT NULL AND id IN (SELECT value FROM json_each(@eventIds))`,
        ).run({ eventIds }).changes;
        const deliveries: ErasureResult['deliveries'] = [];
        let traces = 0;
        for (const { id, status } of held) {
          const delivered = status === 'delivered';
          this.sql(
            `UPDATE deliveries SET ${REMOVE_PERSONAL}${delivered ? '' : `, ${ERASED_UNDELIVERED}`} WHERE id = @id`,
          ).run({ id, reason: 'erasure', now, code: PAYLOAD_ERASED, message: ERASED_MESSAGE });
          traces += this.sql(`UPDATE participant_outcomes SET trace = '' WHERE delivery_id = ? AND trace <> ''`).run(
            id,
          ).changes;
          deliveries.push({ id, statusBefore: status, status: delivered ? status : 'dead', payloadRemoved: true });
        }
        // Traces elsewhere that name the person (the outcomes of an earlier payload of the conversation): LIKE
        // finds candidates, mentionsAddress keeps whole addresses only (not johanna@… for anna@…).
        const naming = this.sql(
          `SELECT o.delivery_id, o.participant_index, o.trace, d.status FROM participant_outcomes o
             JOIN deliveries d ON d.id = o.delivery_id
           WHERE lower(o.trace) LIKE @pattern ESCAPE '\\' ORDER BY o.delivery_id, o.participant_index`,
        )
          .all({ pattern: `%${escapeLike(request.email)}%` })
          .map(toTraceRow)
          .filter((row) => mentionsAddress(row.trace, request.email));
        const clearTrace = this.sql(
          `UPDATE participant_outcomes SET trace = '' WHERE delivery_id = @deliveryId
             AND participant_index = @participantIndex`,
        );
        for (const row of naming) {
          traces += clearTrace.run({ deliveryId: row.deliveryId, participantIndex: row.participantIndex }).changes;
          if (!deliveries.some((delivery) => delivery.id === row.deliveryId)) {
            deliveries.push({
              id: row.deliveryId,
              statusBefore: row.status,
              status: row.status,
              payloadRemoved: false,
            });
          }
        }
        const contactIndexEntries = this.sql('DELETE FROM contact_index WHERE email = ?').run(request.email).changes;
        this.sql(
          'UPDATE contact_index_state SET size = (SELECT COUNT(*) FROM contact_index c WHERE c.target = contact_index_state.target)',
        ).run();
        return { payloads, deliveries, traces, contactIndexEntries };
      }),
    );
    this.checkpoint();
    return result;
  }

  /**
   * Runs `work` with secure_delete on: the pages and cells it frees are overwritten with zeros, so removed personal
   * data does not linger in the file's free space.
   */
  private withSecureDelete<T>(work: () => T): T {
    this.db.pragma('secure_delete = ON');
    try {
      return work();
    } finally {
      this.db.pragma('secure_delete = OFF');
    }
  }

  /** Copies the WAL into the database file and empties it, so no earlier version of a removed row stays in the WAL. */
  private checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async heldPayloads(target: string, conversationIds: readonly string[]): Promise<HeldPayload[]> {
    const wanted = [...new Set(conversationIds)];
    const found = new Map<string, HeldPayload>();
    // One read transaction: the parts of a long list come from one snapshot.
    this.db.transaction(() => {
      for (let start = 0; start < wanted.length; start += HELD_PAYLOADS_CHUNK) {
        // The list is one JSON parameter; each conversation is looked up in the (conversation_id, target) index.
        const rows = this.sql(
          `SELECT d.conversation_id, d.id, d.status, e.source, e.raw_body
           FROM json_each(@ids) AS wanted CROSS JOIN deliveries d CROSS JOIN events e
           WHERE d.conversation_id = wanted.value AND d.target = @target AND e.id = d.event_id`,
        ).all({ ids: JSON.stringify(wanted.slice(start, start + HELD_PAYLOADS_CHUNK)), target });
        for (const held of rows.map(toHeldPayload)) found.set(held.conversationId, held);
      }
    })();
    return wanted.flatMap((id) => found.get(id) ?? []);
  }

  async listPartiallyEnriched(request: { target: string; before: Date; limit: number }): Promise<string[]> {
    if (request.limit < 1) return [];
    return this.sql(
      `SELECT id FROM deliveries
       WHERE target = @target AND status = 'delivered' AND enrichment_state = 'partial' AND enrichment_at < @before
         AND payload_removed_at IS NULL
       ORDER BY enrichment_at, id LIMIT @limit`,
    )
      .all({ target: request.target, before: request.before.getTime(), limit: request.limit })
      .map(toId);
  }

  async touchEnrichment(deliveryId: string, at: Date): Promise<void> {
    // A record that is not JSON (damaged) keeps its text; its time column still moves on.
    this.sql(
      `UPDATE deliveries SET enrichment_at = @at,
         enrichment = CASE WHEN json_valid(enrichment) THEN json_set(enrichment, '$.at', @atIso) ELSE enrichment END
       WHERE id = @deliveryId AND enrichment_state = 'partial'`,
    ).run({ deliveryId, at: at.getTime(), atIso: at.toISOString() });
  }

  async takeLease(request: { name: string; holder: string; now: Date; leaseMs: number }): Promise<boolean> {
    const params = {
      name: request.name,
      holder: request.holder,
      now: request.now.getTime(),
      heldUntil: request.now.getTime() + request.leaseMs,
    };
    // One statement in a BEGIN IMMEDIATE transaction: the row is read and taken under the write lock.
    return this.writeTransaction(
      () =>
        this.sql(
          `INSERT INTO jobs (name, holder, held_until) VALUES (@name, @holder, @heldUntil)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until
           WHERE jobs.held_until IS NULL OR jobs.held_until <= @now OR jobs.holder = excluded.holder`,
        ).run(params).changes === 1,
    );
  }

  async releaseLease(request: { name: string; holder: string }): Promise<void> {
    this.sql(`UPDATE jobs SET held_until = ${LEASE_RELEASED} WHERE name = @name AND holder = @holder`).run({
      name: request.name,
      holder: request.holder,
    });
  }

  async readJobState(name: string): Promise<JobState | undefined> {
    const row = this.sql('SELECT holder, held_until, state, updated_at FROM jobs WHERE name = ?').get(name);
    return row === undefined ? undefined : toJobState(row);
  }

  async writeJobState(request: { name: string; holder: string; state: unknown; now: Date }): Promise<boolean> {
    return (
      this.sql(
        `UPDATE jobs SET state = @state, updated_at = @now
         WHERE name = @name AND holder = @holder AND held_until > @now`,
      ).run({
        name: request.name,
        holder: request.holder,
        state: JSON.stringify(request.state) ?? null,
        now: request.now.getTime(),
      }).changes === 1
    );
  }

  async takeRateToken(request: { key: string; now: Date; perMinute: number }): Promise<number> {
    const now = request.now.getTime();
    // Read and written back under the write lock: every process on the file shares the bucket.
    return this.writeTransaction(() => {
      const row = this.sql('SELECT tokens, refilled_at, paused_until FROM rate_buckets WHERE key = ?').get(request.key);
      const take = takeFromBucket(row === undefined ? undefined : toRateBucket(row), now, request.perMinute);
      this.sql(
        `INSERT INTO rate_buckets (key, tokens, refilled_at) VALUES (@key, @tokens, @refilledAt)
         ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, refilled_at = excluded.refilled_at`,
      ).run({ key: request.key, tokens: take.tokens, refilledAt: take.refilledAt });
      return take.waitMs;
    });
  }

  async pauseRateBucket(request: { key: string; until: Date }): Promise<void> {
    this.sql(
      `INSERT INTO rate_buckets (key, paused_until) VALUES (@key, @until)
       ON CONFLICT (key) DO UPDATE SET paused_until = CASE
         WHEN rate_buckets.paused_until IS NULL OR rate_buckets.paused_until < excluded.paused_until
         THEN excluded.paused_until ELSE rate_buckets.paused_until END`,
    ).run({ key: request.key, until: request.until.getTime() });
  }

  /** A real write (the heartbeat row), so a read-only file, a full disk or a held write lock makes it throw. */
  async checkWritable(): Promise<void> {
    const { changes } = this.sql('UPDATE heartbeat SET checked_at = ? WHERE id = 1').run(Date.now());
    if (changes !== 1) throw new Error('the heartbeat row is missing: the database schema is damaged');
    // Summaries are stored by the accept thread: one that stopped and cannot start again makes the store unwritable.
    await this.acceptThread?.running();
  }

  /** The smaller of the file system's free space and what SQLite's page cap (`max_page_count`) still allows. */
  async roomLeft(): Promise<number | undefined> {
    const pragma = (name: string): number => z.number().parse(this.db.pragma(name, { simple: true }));
    const pagesLeft = pragma('max_page_count') - pragma('page_count') + pragma('freelist_count');
    const disk = statfsSync(dirname(this.db.name));
    return Math.min(pagesLeft * pragma('page_size'), disk.bavail * disk.bsize);
  }

  async close(): Promise<void> {
    await this.acceptThread?.close();
    this.db.close();
  }

  /** The connection's durability settings as SQLite reports them, for the start-up log. */
  settings(): SqliteSettings {
    const pragma = (name: string): unknown => this.db.pragma(name, { simple: true });
    return {
      journalMode: z.string().parse(pragma('journal_mode')),
      synchronous: synchronousOf(this.db),
      foreignKeys: z.number().parse(pragma('foreign_keys')) === 1,
      busyTimeoutMs: z.number().parse(pragma('busy_timeout')),
      ...(this.acceptThread === undefined ? {} : { acceptThread: this.acceptThread.settings() }),
    };
  }

  /**
   * Ends the claimed attempt: records it, unless `workerId` no longer holds the lease for this attempt (`lost`,
   * nothing written). When a newer payload arrived meanwhile (`superseded`), the delivery is due now with fresh
   * attempts; otherwise (`current`) it stays in progress for the caller to settle.
   */
  private endAttempt(finished: {
    deliveryId: string;
    workerId: string;
    version: number;
    attempt: AttemptRecord;
    now: Date;
  }): 'lost' | 'superseded' | 'current' {
    // A lease that ran out still holds until another worker claims the delivery: a late, uncontested result counts.
    const row = this.sql(
      `SELECT version FROM deliveries
       WHERE id = @deliveryId AND status = 'in_progress' AND locked_by = @workerId AND attempts = @attempt`,
    ).get({ deliveryId: finished.deliveryId, workerId: finished.workerId, attempt: finished.attempt.attempt });
    if (row === undefined) return 'lost';
    this.sql(
      `INSERT INTO attempts (delivery_id, version, attempt, started_at, duration_ms, outcome, error_code,
         error_message, crm_status, api_calls)
       VALUES (@deliveryId, @version, @attempt, @startedAt, @durationMs, @outcome, @errorCode, @errorMessage,
         @crmStatus, @apiCalls)`,
    ).run(attemptParams(finished.deliveryId, finished.version, finished.attempt));
    if (toVersion(row) === finished.version) return 'current';
    this.sql(
      `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = @now, locked_by = NULL,
         locked_until = NULL, last_error_code = NULL, last_error_message = NULL, updated_at = @now
       WHERE id = @deliveryId`,
    ).run({ deliveryId: finished.deliveryId, now: finished.now.getTime() });
    return 'superseded';
  }

  /** Keeps what DCI's REST API added in the attempt that ended (its time also as a column, for the retry query). */
  private recordEnrichment(deliveryId: string, enrichment: EnrichmentRecord): void {
    this.sql(
      `UPDATE deliveries SET enrichment = @json, enrichment_state = @state, enrichment_at = @at
       WHERE id = @deliveryId`,
    ).run({
      deliveryId,
      json: enrichmentJson(enrichment),
      state: enrichment.state,
      at: enrichment.at.getTime(),
    });
  }

  /** The outcomes are those of the last completed attempt: replaced as a whole. */
  private replaceOutcomes(deliveryId: string, outcomes: readonly ParticipantOutcome[]): void {
    this.sql('DELETE FROM participant_outcomes WHERE delivery_id = ?').run(deliveryId);
    const insert = this.sql(
      `INSERT INTO participant_outcomes (delivery_id, participant_index, outcome, matched_by, created_company,
         created_person, person_id, company_id, note_id, trace)
       VALUES (@deliveryId, @participantIndex, @outcome, @matchedBy, @createdCompany, @createdPerson, @personId,
         @companyId, @noteId, @trace)`,
    );
    for (const outcome of outcomes) insert.run(outcomeParams(deliveryId, outcome));
  }

  /**
   * Runs `work` in a `BEGIN IMMEDIATE` transaction, which takes the write lock before the first read: a deferred
   * transaction that read first would fail with SQLITE_BUSY_SNAPSHOT when another connection committed in between,
   * and busy_timeout does not retry that.
   */
  private writeTransaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }
}

/**
 * Index entries of `@target` whose e-mail is in the JSON list `@emails` or a number in `@phones`. A list is one
 * parameter (json_each), so none is too long for SQLite's parameter limit. One branch per column, each looking every
 * wanted value up in that column's index (CROSS JOIN keeps json_each the outer loop: an OR of IN lists used only the
 * target prefix, scanning the target's whole index); UNION drops a person found twice.
 */
/** Adds an index entry, or replaces the one the person has. */
const UPSERT_CONTACT = `
  INSERT INTO contact_index (target, ${CONTACT_COLUMNS})
  VALUES (@target, @personId, @email, @mobileE164, @phoneE164, @companyId, @companyName, @companyMainE164,
    @inactive, @updatedAt)
  ON CONFLICT (target, person_id) DO UPDATE SET email = excluded.email, mobile_e164 = excluded.mobile_e164,
    phone_e164 = excluded.phone_e164, company_id = excluded.company_id, company_name = excluded.company_name,
    company_main_e164 = excluded.company_main_e164, inactive = excluded.inactive, updated_at = excluded.updated_at`;

const INDEXED_CONTACT = CONTACT_COLUMNS.split(', ')
  .map((column) => `c.${column}`)
  .join(', ');
const FIND_CONTACTS = `
  SELECT ${INDEXED_CONTACT} FROM json_each(@emails) AS wanted CROSS JOIN contact_index AS c
    WHERE c.target = @target AND c.email = wanted.value
  UNION
  SELECT ${INDEXED_CONTACT} FROM json_each(@phones) AS wanted CROSS JOIN contact_index AS c
    WHERE c.target = @target AND c.mobile_e164 = wanted.value
  UNION
  SELECT ${INDEXED_CONTACT} FROM json_each(@phones) AS wanted CROSS JOIN contact_index AS c
    WHERE c.target = @target AND c.phone_e164 = wanted.value
  UNION
  SELECT ${INDEXED_CONTACT} FROM json_each(@phones) AS wanted CROSS JOIN contact_index AS c
    WHERE c.target = @target AND c.company_main_e164 = wanted.value
  ORDER BY person_id`;

/** The delivery's own personal data: the meeting title (and its search text). Its traces are cleared alongside. */
const REMOVE_PERSONAL = `title = '', title_folded = '', payload_removed_reason = @reason, payload_removed_at = @now,
  updated_at = @now`;

/** An erased delivery that was not delivered yet: dead, for good (requeue refuses it), with the reason shown. */
const ERASED_UNDELIVERED = `status = 'dead', next_attempt_at = NULL, locked_by = NULL, locked_until = NULL,
  last_error_code = @code, last_error_message = @message`;

/** Reopens a delivered or dead delivery: due now with fresh attempts; the attempt log keeps the old errors. */
const REOPEN = `status = 'pending', attempts = 0, next_attempt_at = @now, open_since = @now,
  last_error_code = NULL, last_error_message = NULL, updated_at = @now`;

const duplicateRowSchema = z.object({ kind: z.enum(['email', 'phone']), value: z.string(), ids: z.string() });

/** A given-up lease: held until long past (the epoch), so anyone may take it; its last holder is still shown. */
const LEASE_RELEASED = '0';
