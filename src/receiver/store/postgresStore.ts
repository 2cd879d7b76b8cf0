import { z } from 'zod';
import { Pool, type PoolClient, type QueryResult } from 'pg';
import { assertNever } from '../../core/assertNever';
import type { ContactIndexChange, ContactIndexEntry, ParticipantOutcome } from '../../crm/crmConnector';
import { latestPerPerson } from './latestPerPerson';
import { applyPostgresMigrations } from './migrations/applyPostgresMigrations';
import { POSTGRES_MIGRATIONS } from './migrations/postgresMigrations';
import {
  attemptParams,
  contactColumnParams,
  outcomeParams,
  toAttemptRecord,
  toContactIndexEntry,
  toContactIndexState,
  toDeliveryRow,
  toDueDelivery,
  toEventBody,
  toEventRef,
  toEventTimestamp,
  toEventWithBody,
  toHeldDelivery,
  toId,
  toJobState,
  toOldest,
  toParticipantOutcome,
  toRateBucket,
  toSettingRow,
  toStatus,
  toStatusCount,
  toVersion,
} from './postgresRows';
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
import { mentionsAddress } from './mentionsAddress';
import { escapeLike, foldForSearch } from './searchText';
import { timeOrderedId } from './timeOrderedId';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database` (node-postgres connection string: sslmode and friends apply). */
  connectionString: string;
  /**
   * The schema holding the receiver's tables, created when missing; every connection's `search_path`. Lower-case
   * letters, digits and `_`. Default `public`. Several receivers (tenants) can share a database, one schema each.
   */
  schema?: string | undefined;
  /** Connections per process. Default 10. */
  poolSize?: number | undefined;
  /** How long to wait for a new connection before failing, in ms. Default 10000. */
  connectTimeoutMs?: number | undefined;
  /**
   * Told about an idle connection that broke (the server restarted, the network dropped): the pool discards it and
   * the next query connects again. Without a listener such an error would end the process.
   */
  onConnectionError?: ((error: Error) => void) | undefined;
}

const SUMMARY_EVENT_TYPE = 'conversation.completed';
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/u;
/** deadlock_detected, serialization_failure: the transaction was rolled back and may simply run again. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const TRANSACTION_TRIES = 3;
/** Contact index rows per INSERT: bounds one statement's size on a large sync. */
const CONTACT_INSERT_CHUNK = 1000;
/** Conversations per `heldPayloads` query: a list far longer than a poll's page is looked up in parts. */
const HELD_PAYLOADS_CHUNK = 500;

/** Adds or replaces index entries given as column arrays (`contactColumnParams`), $1 being the target. */
const UPSERT_CONTACTS = `INSERT INTO contact_index (target, ${CONTACT_COLUMNS})
  SELECT $1, person_id::jsonb, email, mobile_e164, phone_e164, company_id::jsonb, company_name, company_main_e164,
    inactive, updated_at
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::boolean[],
    $10::text[])
    AS entry (person_id, email, mobile_e164, phone_e164, company_id, company_name, company_main_e164, inactive,
      updated_at)
  ON CONFLICT (target, person_id) DO UPDATE SET email = excluded.email, mobile_e164 = excluded.mobile_e164,
    phone_e164 = excluded.phone_e164, company_id = excluded.company_id, company_name = excluded.company_name,
    company_main_e164 = excluded.company_main_e164, inactive = excluded.inactive, updated_at = excluded.updated_at`;

/** Opens a connection pool on `schema` (creating and migrating it when needed) for the receiver's store. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`PostgreSQL schema "${schema}" must be lower-case letters, digits and _ (at most 63)`);
  }
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'dci-companion',
    // Run on each new connection before the pool hands it out, so unqualified table names mean this schema in every
    // query of the store. (Not the `options` startup parameter: a DATABASE_URL's own `?options=` would replace it.)
    // Should it fail, the pool discards the connection and the query that asked for it fails with the error.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- pg-pool awaits onConnect; @types/pg says void
    onConnect: async (client) => {
      await client.query(`SET search_path TO "${schema}"`);
    },
  });
  pool.on('error', (error) => options.onConnectionError?.(error));
  try {
    const client = await pool.connect();
    try {
      await applyPostgresMigrations(client, schema, POSTGRES_MIGRATIONS, new Date());
    } catch (error) {
      client.release(true);
      throw error;
    }
    client.release();
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresStore(pool, schema);
}

/**
 * ReceiverStore on a PostgreSQL connection pool. Several replicas share the schema: every read-then-write holds row
 * locks in its transaction (READ COMMITTED), claims skip rows another transaction holds. A claim is identified by
 * its worker and attempt number: a result for an attempt that is no longer the delivery's current one is `lost`.
 */
export class PostgresStore implements ReceiverStore {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    /** The schema the tables live in. */
    readonly schema: string,
  ) {}

  async acceptSummary(summary: AcceptedSummary): Promise<AcceptResult> {
    return this.transaction(async (db): Promise<AcceptResult> => {
      const now = summary.receivedAt;
      const eventTimestamp = instant(summary.eventTimestamp);
      const eventId = timeOrderedId();
      // ON CONFLICT waits for a replica inserting the same key at this moment: after its commit this is a duplicate.
      const inserted = await db.query(
        `INSERT INTO events (id, delivery_key, scheme, event_type, disposition, conversation_id, event_timestamp,
           received_at, raw_body, source)
         VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $8, $9)
         ON CONFLICT (delivery_key) DO NOTHING`,
        [
          eventId,
          summary.deliveryKey,
          summary.scheme,
          SUMMARY_EVENT_TYPE,
          summary.conversationId,
          eventTimestamp,
          now,
          summary.rawBody,
          summary.source ?? 'webhook',
        ],
      );
      if (inserted.rowCount === 0)
        return { kind: 'duplicate', eventId: await this.eventIdForKey(db, summary.deliveryKey) };

      const title = summary.title;
      const titleFolded = foldForSearch(title);
      const deliveryId = timeOrderedId();
      const created = await db.query(
        `INSERT INTO deliveries (id, conversation_id, target, event_id, title, title_folded, status, version,
           attempts, next_attempt_at, created_at, open_since, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 1, 0, $7, $7, $7, $7)
         ON CONFLICT (conversation_id, target) DO NOTHING`,
        [deliveryId, summary.conversationId, summary.target, eventId, title, titleFolded, now],
      );
      if (created.rowCount === 1) return { kind: 'queued', eventId, deliveryId };

      // The conversation has its delivery: lock it, so a concurrent re-send, claim or completion waits for this one.
      const held = toHeldDelivery(
        single(
          await db.query(
            'SELECT id, status, event_id FROM deliveries WHERE conversation_id = $1 AND target = $2 FOR UPDATE',
            [summary.conversationId, summary.target],
          ),
          'the delivery the insert conflicted with',
        ),
      );
      // Read after the lock (a new snapshot): the payload the delivery holds now, not when this transaction began.
      const heldTimestamp = toEventTimestamp(
        single(await db.query('SELECT event_timestamp FROM events WHERE id = $1', [held.eventId]), 'the held event'),
      );
      if (heldTimestamp !== undefined && eventTimestamp !== null && eventTimestamp < heldTimestamp) {
        await db.query(`UPDATE events SET disposition = 'stale' WHERE id = $1`, [eventId]);
        return { kind: 'stale', eventId, deliveryId: held.id };
      }

      const content = [held.id, eventId, title, titleFolded, now];
      switch (held.status) {
        case 'in_progress':
          // The lease is left alone: the worker's completion sees the new version and makes the delivery due again.
          await db.query(
            `UPDATE deliveries SET event_id = $2, title = $3, title_folded = $4, version = version + 1,
               updated_at = $5, ${PAYLOAD_HELD}
             WHERE id = $1`,
            content,
          );
          break;
        case 'pending':
        case 'retrying':
        case 'delivered':
        case 'dead':
          // A new payload gets fresh attempts; a closed delivery reopens, restarting its max-age clock.
          await db.query(
            `UPDATE deliveries SET event_id = $2, title = $3, title_folded = $4, version = version + 1,
               status = 'pending', attempts = 0, next_attempt_at = $5, last_error_code = NULL,
               last_error_message = NULL, updated_at = $5, ${PAYLOAD_HELD},
               open_since = CASE WHEN status IN ('delivered', 'dead') THEN $5 ELSE open_since END
             WHERE id = $1`,
            content,
          );
          break;
        default:
          assertNever(held.status);
      }
      return { kind: 'queued', eventId, deliveryId: held.id };
    });
  }

  async recordIgnoredEvent(event: IgnoredEvent): Promise<{ eventId: string; duplicate: boolean }> {
    return this.transaction(async (db) => {
      const eventId = timeOrderedId();
      const inserted = await db.query(
        `INSERT INTO events (id, delivery_key, scheme, event_type, disposition, received_at)
         VALUES ($1, $2, $3, $4, 'ignored', $5)
         ON CONFLICT (delivery_key) DO NOTHING`,
        [eventId, event.deliveryKey, event.scheme, event.eventType, event.receivedAt],
      );
      if (inserted.rowCount === 0) return { eventId: await this.eventIdForKey(db, event.deliveryKey), duplicate: true };
      return { eventId, duplicate: false };
    });
  }

  async claimDue(request: { workerId: string; now: Date; limit: number; leaseMs: number }): Promise<ClaimedDelivery[]> {
    if (request.limit < 1) return [];
    const { now } = request;
    return this.transaction(async (db) => {
      // Select and lock in one statement, and mark in the same transaction: SKIP LOCKED passes over rows another
      // replica is claiming (or settling) right now, so two workers never get the same row and never wait on each
      // other. The bodies are read after the lock: a re-send committed meanwhile changes which event is delivered.
      const due = (
        await db.query(
          `SELECT id, conversation_id, target, event_id, version, attempts, open_since,
             status = 'in_progress' AS lease_expired
           FROM deliveries
           WHERE (status IN ('pending', 'retrying') AND next_attempt_at <= $1)
              OR (status = 'in_progress' AND locked_until <= $1)
           ORDER BY next_attempt_at, created_at, id
           LIMIT $2
           FOR UPDATE SKIP LOCKED`,
          [now, request.limit],
        )
      ).rows.map(toDueDelivery);
      if (due.length === 0) return [];
      const ids = due.map((delivery) => delivery.deliveryId);

      // An attempt whose worker died (or overran its lease) left no record: note it in the audit trail, so the
      // attempt count and the attempt log agree.
      const expired = due.filter((delivery) => delivery.leaseExpired).map((delivery) => delivery.deliveryId);
      if (expired.length > 0) {
        await db.query(
          `INSERT INTO attempts (delivery_id, version, attempt, started_at, duration_ms, outcome, error_code,
             error_message)
           SELECT id, version, attempts, updated_at,
             GREATEST(round(extract(epoch FROM $1::timestamptz - updated_at) * 1000), 0)::integer, 'retry',
             'lease_expired',
             'The receiver stopped (or overran its lease) during this attempt; another attempt took over.'
           FROM deliveries WHERE id = ANY($2::text[])`,
          [now, expired],
        );
      }
      await db.query(
        `UPDATE deliveries SET status = 'in_progress', locked_by = $2, locked_until = $3, attempts = attempts + 1,
           updated_at = $4
         WHERE id = ANY($1::text[])`,
        [ids, request.workerId, new Date(now.getTime() + request.leaseMs), now],
      );
      const bodies = new Map(
        (
          await db.query('SELECT id, raw_body FROM events WHERE id = ANY($1::text[])', [
            due.map((delivery) => delivery.eventId),
          ])
        ).rows
          .map(toEventWithBody)
          .map((event) => [event.id, event.rawBody]),
      );
      return due.map((delivery): ClaimedDelivery => {
        const rawBody = bodies.get(delivery.eventId);
        if (rawBody === undefined) throw new Error(`the event ${delivery.eventId} of a due delivery has no body`);
        return {
          deliveryId: delivery.deliveryId,
          conversationId: delivery.conversationId,
          target: delivery.target,
          eventId: delivery.eventId,
          rawBody,
          version: delivery.version,
          attempt: delivery.attempt,
          firstReceivedAt: delivery.firstReceivedAt,
        };
      });
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
    return this.transaction(async (db) => {
      const lease = await this.endAttempt(db, done);
      if (lease === 'lost') return 'lost';
      await this.replaceOutcomes(db, done.deliveryId, done.outcomes);
      // It describes the attempt that ended, whether or not a newer payload came meanwhile.
      if (done.enrichment !== undefined) await this.recordEnrichment(db, done.deliveryId, done.enrichment);
      if (lease === 'superseded') return 'superseded';
      await db.query(
        `UPDATE deliveries SET status = 'delivered', next_attempt_at = NULL, locked_by = NULL, locked_until = NULL,
           last_error_code = NULL, last_error_message = NULL, delivered_at = $2, updated_at = $2
         WHERE id = $1`,
        [done.deliveryId, done.now],
      );
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
    return this.transaction(async (db) => {
      const lease = await this.endAttempt(db, failed);
      if (lease !== 'current') return lease;
      await db.query(
        `UPDATE deliveries SET status = 'retrying', next_attempt_at = $2, locked_by = NULL, locked_until = NULL,
           last_error_code = $3, last_error_message = $4, updated_at = $5
         WHERE id = $1`,
        [
          failed.deliveryId,
          failed.nextAttemptAt,
          failed.attempt.errorCode ?? null,
          failed.attempt.errorMessage ?? null,
          failed.now,
        ],
      );
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
    return this.transaction(async (db) => {
      const lease = await this.endAttempt(db, failed);
      if (lease !== 'current') return lease;
      await db.query(
        `UPDATE deliveries SET status = 'dead', next_attempt_at = NULL, locked_by = NULL, locked_until = NULL,
           last_error_code = $2, last_error_message = $3, updated_at = $4
         WHERE id = $1`,
        [failed.deliveryId, failed.attempt.errorCode ?? null, failed.attempt.errorMessage ?? null, failed.now],
      );
      return 'dead';
    });
  }

  /** Back to pending and due now; the attempt it was counted as did not happen. Ignored unless `workerId` holds it. */
  async releaseDelivery(release: { deliveryId: string; workerId: string; now: Date }): Promise<void> {
    await this.transaction(async (db) => {
      // Logged (not counted): the attempt may have written notes before it was stopped, and the next one must look.
      await db.query(
        `INSERT INTO attempts (delivery_id, version, attempt, started_at, duration_ms, outcome, error_code,
           error_message)
         SELECT id, version, attempts, updated_at,
           GREATEST(round(extract(epoch FROM $3::timestamptz - updated_at) * 1000), 0)::integer, 'retry', 'released',
           'The receiver stopped during this attempt and gave it back; the next attempt looks for notes it may have written.'
         FROM deliveries WHERE id = $1 AND status = 'in_progress' AND locked_by = $2 FOR UPDATE`,
        [release.deliveryId, release.workerId, release.now],
      );
      await db.query(
        `UPDATE deliveries SET status = 'pending', attempts = GREATEST(attempts - 1, 0), next_attempt_at = $3,
           locked_by = NULL, locked_until = NULL, updated_at = $3
         WHERE id = $1 AND status = 'in_progress' AND locked_by = $2`,
        [release.deliveryId, release.workerId, release.now],
      );
    });
  }

  /**
   * Dead or delivered: pending, attempts reset, last error cleared (the attempt log keeps it), max-age clock
   * restarted. Pending or retrying: due now, attempts kept ("retry now"). In progress or unknown: false.
   */
  async requeue(deliveryId: string, now: Date): Promise<boolean> {
    return this.transaction(async (db) => {
      // A delivery whose payload was removed has nothing left to deliver.
      const row = (
        await db.query('SELECT status FROM deliveries WHERE id = $1 AND payload_removed_at IS NULL FOR UPDATE', [
          deliveryId,
        ])
      ).rows[0];
      if (row === undefined) return false;
      const status = toStatus(row);
      switch (status) {
        case 'in_progress':
          return false;
        case 'pending':
        case 'retrying':
          await db.query(
            'UPDATE deliveries SET next_attempt_at = LEAST(next_attempt_at, $2), updated_at = $2 WHERE id = $1',
            [deliveryId, now],
          );
          return true;
        case 'delivered':
        case 'dead':
          await db.query(`UPDATE deliveries SET ${reopen('$2')} WHERE id = $1`, [deliveryId, now]);
          return true;
        default:
          return assertNever(status);
      }
    });
  }

  async requeueAllDead(now: Date): Promise<number> {
    const result = await this.pool.query(
      `UPDATE deliveries SET ${reopen('$1')} WHERE status = 'dead' AND payload_removed_at IS NULL`,
      [now],
    );
    return result.rowCount ?? 0;
  }

  async listDeliveries(query: {
    status?: DeliveryStatus | undefined;
    search?: string | undefined;
    limit: number;
    offset?: number | undefined;
  }): Promise<DeliveryRow[]> {
    if (query.limit < 1) return [];
    const conditions: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.status !== undefined) conditions.push(`d.status = ${param(query.status)}`);
    const search = query.search?.trim() ?? '';
    if (search !== '') {
      const titleContains = param(`%${escapeLike(foldForSearch(search))}%`);
      const idPrefix = param(`${escapeLike(search)}%`);
      conditions.push(
        `(d.title_folded LIKE ${titleContains} ESCAPE '\\' OR d.conversation_id LIKE ${idPrefix} ESCAPE '\\')`,
      );
    }
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const limit = param(query.limit);
    const offset = param(query.offset ?? 0);
    const result = await this.pool.query(
      `SELECT ${DELIVERY_COLUMNS} FROM ${DELIVERY_FROM} ${where}
       ORDER BY d.created_at DESC, d.id DESC LIMIT ${limit} OFFSET ${offset}`,
      params,
    );
    return result.rows.map(toDeliveryRow);
  }

  async getDelivery(deliveryId: string): Promise<DeliveryDetail | undefined> {
    // The row, its attempts and its outcomes from one snapshot.
    return this.transaction(async (db): Promise<DeliveryDetail | undefined> => {
      const row = (
        await db.query(`SELECT ${DELIVERY_COLUMNS}, d.event_id FROM ${DELIVERY_FROM} WHERE d.id = $1`, [deliveryId])
      ).rows[0];
      if (row === undefined) return undefined;
      const attemptLog = await db.query(
        `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = $1 ORDER BY started_at, seq`,
        [deliveryId],
      );
      const outcomes = await db.query(
        `SELECT ${OUTCOME_COLUMNS} FROM participant_outcomes WHERE delivery_id = $1 ORDER BY participant_index`,
        [deliveryId],
      );
      return {
        ...toDeliveryRow(row),
        eventId: toEventRef(row),
        attemptLog: attemptLog.rows.map(toAttemptRecord),
        outcomes: outcomes.rows.map(toParticipantOutcome),
      };
    }, 'snapshot');
  }

  async getEventBody(eventId: string): Promise<Buffer | undefined> {
    const row = (await this.pool.query('SELECT raw_body FROM events WHERE id = $1', [eventId])).rows[0];
    return row === undefined ? undefined : toEventBody(row);
  }

  async counts(): Promise<DeliveryCounts> {
    return this.transaction(async (db): Promise<DeliveryCounts> => {
      const byStatus: Record<DeliveryStatus, number> = {
        pending: 0,
        in_progress: 0,
        retrying: 0,
        delivered: 0,
        dead: 0,
      };
      for (const row of (await db.query('SELECT status, COUNT(*)::integer AS count FROM deliveries GROUP BY status'))
        .rows) {
        const { status, count } = toStatusCount(row);
        byStatus[status] = count;
      }
      const oldest = toOldest(
        single(
          await db.query(`SELECT MIN(open_since) AS oldest FROM deliveries WHERE status NOT IN ('delivered', 'dead')`),
          'the oldest open delivery',
        ),
      );
      return { byStatus, oldestOpenSince: oldest };
    }, 'snapshot');
  }

  async readSettings(): Promise<Record<string, unknown>> {
    const settings: Record<string, unknown> = {};
    for (const row of (await this.pool.query('SELECT key, value FROM settings ORDER BY key')).rows) {
      const { key, value } = toSettingRow(row);
      settings[key] = value;
    }
    return settings;
  }

  async writeSettings(values: Record<string, unknown | undefined>): Promise<void> {
    const now = new Date();
    await this.transaction(async (db) => {
      for (const [key, value] of Object.entries(values)) {
        if (value === undefined) {
          await db.query('DELETE FROM settings WHERE key = $1', [key]);
          continue;
        }
        // Sent as JSON text: node-postgres would send a string value as it is, not as a JSON string.
        await db.query(
          `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2::jsonb, $3)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
          [key, JSON.stringify(value), now],
        );
      }
    });
  }

  async replaceContactIndex(target: string, entries: readonly ContactIndexEntry[], syncedAt: Date): Promise<void> {
    const distinct = latestPerPerson(entries);
    await this.transaction(async (db) => {
      // The state row first: its row lock makes concurrent replaces of one target wait for each other, so the
      // second one's DELETE (a new statement, after the first commits) sees and removes the first one's rows.
      await db.query(
        `INSERT INTO contact_index_state (target, synced_at, size) VALUES ($1, $2, $3)
         ON CONFLICT (target) DO UPDATE SET synced_at = excluded.synced_at, size = excluded.size`,
        [target, syncedAt, distinct.length],
      );
      await db.query('DELETE FROM contact_index WHERE target = $1', [target]);
      for (let start = 0; start < distinct.length; start += CONTACT_INSERT_CHUNK) {
        await db.query(
          `INSERT INTO contact_index (target, ${CONTACT_COLUMNS})
           SELECT $1, person_id::jsonb, email, mobile_e164, phone_e164, company_id::jsonb, company_name,
             company_main_e164, inactive, updated_at
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
             $9::boolean[], $10::text[])
             AS entry (person_id, email, mobile_e164, phone_e164, company_id, company_name, company_main_e164,
               inactive, updated_at)`,
          [target, ...contactColumnParams(distinct.slice(start, start + CONTACT_INSERT_CHUNK))],
        );
      }
    });
  }

  async updateContactIndex(target: string, entries: readonly ContactIndexEntry[]): Promise<void> {
    const distinct = latestPerPerson(entries);
    await this.transaction(async (db) => {
      // The state row first, as in replaceContactIndex: updates and replaces of one target take turns.
      await db.query('SELECT size FROM contact_index_state WHERE target = $1 FOR UPDATE', [target]);
      for (let start = 0; start < distinct.length; start += CONTACT_INSERT_CHUNK) {
        await db.query(UPSERT_CONTACTS, [
          target,
          ...contactColumnParams(distinct.slice(start, start + CONTACT_INSERT_CHUNK)),
        ]);
      }
      await db.query(
        'UPDATE contact_index_state SET size = (SELECT COUNT(*) FROM contact_index WHERE target = $1) WHERE target = $1',
        [target],
      );
    });
  }

  async applyContactChange(target: string, change: ContactIndexChange): Promise<void> {
    const distinct = latestPerPerson(change.upsert);
    await this.transaction(async (db) => {
      // The state row first, as in replaceContactIndex: changes and replaces of one target take turns.
      await db.query('SELECT size FROM contact_index_state WHERE target = $1 FOR UPDATE', [target]);
      const companyIs = 'target = $1 AND company_id = $2::jsonb';
      for (const companyId of change.removeCompanies) {
        await db.query(
          `UPDATE contact_index SET company_id = NULL, company_name = NULL, company_main_e164 = NULL WHERE ${companyIs}`,
          [target, JSON.stringify(companyId)],
        );
      }
      for (const company of change.companies) {
        await db.query(`UPDATE contact_index SET company_name = $3, company_main_e164 = $4 WHERE ${companyIs}`, [
          target,
          JSON.stringify(company.companyId),
          company.companyName ?? null,
          company.companyMainE164 ?? null,
        ]);
      }
      if (distinct.length > 0) {
        await db.query(UPSERT_CONTACTS, [target, ...contactColumnParams(distinct)]);
      }
      for (const personId of change.removePersons) {
        await db.query('DELETE FROM contact_index WHERE target = $1 AND person_id = $2::jsonb', [
          target,
          JSON.stringify(personId),
        ]);
      }
      await db.query(
        'UPDATE contact_index_state SET size = (SELECT COUNT(*) FROM contact_index WHERE target = $1) WHERE target = $1',
        [target],
      );
    });
  }

  async newestContactUpdate(target: string): Promise<string | undefined> {
    const { rows } = await this.pool.query('SELECT MAX(updated_at) AS newest FROM contact_index WHERE target = $1', [
      target,
    ]);
    return z.object({ newest: z.string().nullable() }).parse(rows[0]).newest ?? undefined;
  }

  async findContactCandidates(
    target: string,
    query: { emails: readonly string[]; phones: readonly string[] },
  ): Promise<ContactIndexEntry[]> {
    if (query.emails.length === 0 && query.phones.length === 0) return [];
    // Each list is one array parameter, however long; each `= ANY` uses its column's index (a bitmap OR).
    const result = await this.pool.query(
      `SELECT ${CONTACT_COLUMNS} FROM contact_index
       WHERE target = $1
         AND (email = ANY($2::text[]) OR mobile_e164 = ANY($3::text[]) OR phone_e164 = ANY($3::text[])
           OR company_main_e164 = ANY($3::text[]))
       ORDER BY person_id`,
      [target, [...query.emails], [...query.phones]],
    );
    return result.rows.map(toContactIndexEntry);
  }

  async contactIndexDuplicates(target: string, limit: number): Promise<ContactDuplicate[]> {
    const { rows } = await this.pool.query(
      `SELECT kind, value, jsonb_agg(person_id ORDER BY person_id) AS ids FROM (
         SELECT 'email' AS kind, email AS value, person_id FROM contact_index WHERE target = $1 AND email IS NOT NULL
         UNION
         SELECT 'phone', mobile_e164, person_id FROM contact_index WHERE target = $1 AND mobile_e164 IS NOT NULL
         UNION
         SELECT 'phone', phone_e164, person_id FROM contact_index WHERE target = $1 AND phone_e164 IS NOT NULL
       ) AS held GROUP BY kind, value HAVING COUNT(*) > 1 ORDER BY COUNT(*) DESC, value LIMIT $2`,
      [target, limit],
    );
    return rows.map((row: unknown) => {
      const { kind, value, ids } = duplicateRowSchema.parse(row);
      return { kind, value, personIds: ids };
    });
  }

  async contactIndexState(target: string): Promise<{ size: number; syncedAt?: Date | undefined }> {
    const row = (await this.pool.query('SELECT size, synced_at FROM contact_index_state WHERE target = $1', [target]))
      .rows[0];
    return row === undefined ? { size: 0 } : toContactIndexState(row);
  }

  async purgeDeliveredPayloads(request: { deliveredBefore: Date; now: Date }): Promise<RetentionPurgeResult> {
    const { deliveredBefore: cutoff, now } = request;
    return this.transaction(async (db) => {
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
  }

  async listStoredPayloads(page: { afterEventId?: string | undefined; limit: number }): Promise<StoredPayload[]> {
    if (page.limit < 1) return [];
    const { rows } = await this.pool.query(
      'SELECT id, raw_body FROM events WHERE raw_body IS NOT NULL AND id > $1 ORDER BY id LIMIT $2',
      [page.afterEventId ?? '', page.limit],
    );
    return rows.map(toEventWithBody).map((event) => ({ eventId: event.id, rawBody: event.rawBody }));
  }

  async erasePersonalData(request: ErasureRequest): Promise<ErasureResult> {
    const { now } = request;
    const eventIds = [...request.eventIds];
    return this.transaction(async (db): Promise<ErasureResult> => {
      const held = (
        await db.query('SELECT id, status FROM deliveries WHERE event_id = ANY($1::text[]) ORDER BY id FOR UPDATE', [
          eventIds,
        ])
      ).rows.map(toIdAndStatus);
      const payloads = await db.query(
        'UPDATE events SET raw_body = NULL WHERE raw_body IS NOT NULL AND id = ANY($1::text[])',
        [eventIds],
      );
      const deliveries: ErasureResult['deliveries'] = [];
      let traces = 0;
      for (const { id, status } of held) {
        const delivered = status === 'delivered';
        if (delivered) {
          await db.query(`UPDATE deliveries SET ${REMOVE_PERSONAL} WHERE id = $3`, ['erasure', now, id]);
        } else {
          await db.query(`UPDATE deliveries SET ${REMOVE_PERSONAL}, ${ERASED_UNDELIVERED} WHERE id = $4`, [
            'erasure',
            now,
            ERASED_MESSAGE,
            id,
          ]);
        }
        traces +=
          (await db.query(`UPDATE participant_outcomes SET trace = '' WHERE delivery_id = $1 AND trace <> ''`, [id]))
            .rowCount ?? 0;
        deliveries.push({ id, statusBefore: status, status: delivered ? status : 'dead', payloadRemoved: true });
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
        if (!deliveries.some((delivery) => delivery.id === row.deliveryId)) {
          deliveries.push({ id: row.deliveryId, statusBefore: row.status, status: row.status, payloadRemoved: false });
        }
      }
      const removed = await db.query('DELETE FROM contact_index WHERE email = $1 RETURNING target', [request.email]);
      await db.query(
        `UPDATE contact_index_state s SET size = (SELECT COUNT(*) FROM contact_index c WHERE c.target = s.target)
         WHERE s.target = ANY($1::text[])`,
        [[...new Set(removed.rows.map((row: { target: string }) => row.target))]],
      );
      return { payloads: payloads.rowCount ?? 0, deliveries, traces, contactIndexEntries: removed.rowCount ?? 0 };
    });
  }

  async heldPayloads(target: string, conversationIds: readonly string[]): Promise<HeldPayload[]> {
    const wanted = [...new Set(conversationIds)];
    if (wanted.length === 0) return [];
    const found = new Map<string, HeldPayload>();
    // The parts of a long list from one snapshot; each conversation is looked up in the (conversation_id, target)
    // index.
    await this.transaction(async (db) => {
      for (let start = 0; start < wanted.length; start += HELD_PAYLOADS_CHUNK) {
        const { rows } = await db.query(
          `SELECT d.conversation_id, d.id, d.status, e.source, e.raw_body
           FROM deliveries d JOIN events e ON e.id = d.event_id
           WHERE d.target = $1 AND d.conversation_id = ANY($2::text[])`,
          [target, wanted.slice(start, start + HELD_PAYLOADS_CHUNK)],
        );
        for (const held of rows.map(toHeldPayload)) found.set(held.conversationId, held);
      }
    }, 'snapshot');
    return wanted.flatMap((id) => found.get(id) ?? []);
  }

  async listPartiallyEnriched(request: { target: string; before: Date; limit: number }): Promise<string[]> {
    if (request.limit < 1) return [];
    const { rows } = await this.pool.query(
      `SELECT id FROM deliveries
       WHERE target = $1 AND status = 'delivered' AND enrichment_state = 'partial' AND enrichment_at < $2
         AND payload_removed_at IS NULL
       ORDER BY enrichment_at, id LIMIT $3`,
      [request.target, request.before, request.limit],
    );
    return rows.map(toId);
  }

  async touchEnrichment(deliveryId: string, at: Date): Promise<void> {
    // A record that is not an object (damaged) stays as it is; its time column still moves on.
    await this.pool.query(
      `UPDATE deliveries SET enrichment_at = $2,
         enrichment = CASE WHEN jsonb_typeof(enrichment) = 'object'
           THEN jsonb_set(enrichment, '{at}', to_jsonb($3::text)) ELSE enrichment END
       WHERE id = $1 AND enrichment_state = 'partial'`,
      [deliveryId, at, at.toISOString()],
    );
  }

  async takeLease(request: { name: string; holder: string; now: Date; leaseMs: number }): Promise<boolean> {
    // One statement: ON CONFLICT locks the row and tests the condition on its latest version, so of two replicas
    // taking a free lease at once one inserts or updates it and the other finds it held.
    const { rowCount } = await this.pool.query(
      `INSERT INTO jobs (name, holder, held_until) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until
       WHERE jobs.held_until IS NULL OR jobs.held_until <= $4 OR jobs.holder = excluded.holder`,
      [request.name, request.holder, new Date(request.now.getTime() + request.leaseMs), request.now],
    );
    return rowCount === 1;
  }

  async releaseLease(request: { name: string; holder: string }): Promise<void> {
    // Held until long past (the epoch), so anyone may take it; its last holder is still shown.
    await this.pool.query(`UPDATE jobs SET held_until = 'epoch' WHERE name = $1 AND holder = $2`, [
      request.name,
      request.holder,
    ]);
  }

  async readJobState(name: string): Promise<JobState | undefined> {
    const row = (
      await this.pool.query('SELECT holder, held_until, state, updated_at FROM jobs WHERE name = $1', [name])
    ).rows[0];
    return row === undefined ? undefined : toJobState(row);
  }

  async writeJobState(request: { name: string; holder: string; state: unknown; now: Date }): Promise<boolean> {
    // Sent as JSON text: node-postgres would send a string value as it is, not as a JSON string.
    const { rowCount } = await this.pool.query(
      `UPDATE jobs SET state = $3::jsonb, updated_at = $4
       WHERE name = $1 AND holder = $2 AND held_until > $4`,
      [request.name, request.holder, JSON.stringify(request.state) ?? null, request.now],
    );
    return rowCount === 1;
  }

  async takeRateToken(request: { key: string; now: Date; perMinute: number }): Promise<number> {
    const { key, now, perMinute } = request;
    return this.transaction(async (db) => {
      // The row first (full, as new), so there is always one to lock: every replica's take waits for the one
      // before it, and reads what that one left.
      await db.query('INSERT INTO rate_buckets (key) VALUES ($1) ON CONFLICT (key) DO NOTHING', [key]);
      const row = single(
        await db.query('SELECT tokens, refilled_at, paused_until FROM rate_buckets WHERE key = $1 FOR UPDATE', [key]),
        'the rate bucket',
      );
      const take = takeFromBucket(toRateBucket(row), now.getTime(), perMinute);
      await db.query('UPDATE rate_buckets SET tokens = $2, refilled_at = $3 WHERE key = $1', [
        key,
        take.tokens,
        new Date(take.refilledAt),
      ]);
      return take.waitMs;
    });
  }

  async pauseRateBucket(request: { key: string; until: Date }): Promise<void> {
    // GREATEST ignores NULL: a bucket that was never paused takes `until`.
    await this.pool.query(
      `INSERT INTO rate_buckets (key, paused_until) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET paused_until = GREATEST(rate_buckets.paused_until, excluded.paused_until)`,
      [request.key, request.until],
    );
  }

  /** A real write (the heartbeat row), so a read-only server, a full disk or a lost connection makes it throw. */
  async checkWritable(): Promise<void> {
    const { rowCount } = await this.pool.query('UPDATE heartbeat SET checked_at = $1 WHERE id = 1', [new Date()]);
    if (rowCount !== 1) throw new Error('the heartbeat row is missing: the database schema is damaged');
  }

  async close(): Promise<void> {
    await (this.closing ??= this.pool.end());
  }

  /**
   * Ends the claimed attempt: records it, unless `workerId` no longer holds the lease for this attempt (`lost`,
   * nothing written). When a newer payload arrived meanwhile (`superseded`), the delivery is due now with fresh
   * attempts; otherwise (`current`) it stays in progress, locked, for the caller to settle in the same transaction.
   */
  private async endAttempt(
    db: PoolClient,
    finished: { deliveryId: string; workerId: string; version: number; attempt: AttemptRecord; now: Date },
  ): Promise<'lost' | 'superseded' | 'current'> {
    // A lease that ran out still holds until another worker claims the delivery: a late, uncontested result counts.
    // FOR UPDATE: a replica reclaiming the delivery right now either waits for this result or wins and makes it lost.
    const row = (
      await db.query(
        `SELECT version FROM deliveries
         WHERE id = $1 AND status = 'in_progress' AND locked_by = $2 AND attempts = $3
         FOR UPDATE`,
        [finished.deliveryId, finished.workerId, finished.attempt.attempt],
      )
    ).rows[0];
    if (row === undefined) return 'lost';
    await db.query(
      `INSERT INTO attempts (delivery_id, version, ${ATTEMPT_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      attemptParams(finished.deliveryId, finished.version, finished.attempt),
    );
    if (toVersion(row) === finished.version) return 'current';
    await db.query(
      `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2, locked_by = NULL,
         locked_until = NULL, last_error_code = NULL, last_error_message = NULL, updated_at = $2
       WHERE id = $1`,
      [finished.deliveryId, finished.now],
    );
    return 'superseded';
  }

  /** Keeps what DCI's REST API added in the attempt that ended (its time also as a column, for the retry query). */
  private async recordEnrichment(db: PoolClient, deliveryId: string, enrichment: EnrichmentRecord): Promise<void> {
    await db.query(
      'UPDATE deliveries SET enrichment = $2::jsonb, enrichment_state = $3, enrichment_at = $4 WHERE id = $1',
      [deliveryId, enrichmentJson(enrichment), enrichment.state, enrichment.at],
    );
  }

  /** The outcomes are those of the last completed attempt: replaced as a whole. */
  private async replaceOutcomes(
    db: PoolClient,
    deliveryId: string,
    outcomes: readonly ParticipantOutcome[],
  ): Promise<void> {
    await db.query('DELETE FROM participant_outcomes WHERE delivery_id = $1', [deliveryId]);
    for (const outcome of outcomes) {
      await db.query(
        `INSERT INTO participant_outcomes (delivery_id, ${OUTCOME_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10)`,
        outcomeParams(deliveryId, outcome),
      );
    }
  }

  private async eventIdForKey(db: PoolClient, deliveryKey: string): Promise<string> {
    return toId(single(await db.query('SELECT id FROM events WHERE delivery_key = $1', [deliveryKey]), 'the event'));
  }

  /**
   * Runs `work` in a transaction on one pooled connection: READ COMMITTED with explicit row locks for writes, or a
   * read-only REPEATABLE READ `snapshot`. A deadlock or serialization failure rolls everything back, and the work
   * runs again (a few times) from the start.
   */
  private async transaction<T>(work: (db: PoolClient) => Promise<T>, mode: 'write' | 'snapshot' = 'write'): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query(mode === 'write' ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        if (attempt < TRANSACTION_TRIES && RETRYABLE_SQLSTATES.has(sqlState(error) ?? '')) continue;
        throw error;
      } finally {
        client.release(broken);
      }
    }
  }
}

/** A new payload is held again: whatever an earlier purge or erasure removed no longer applies. */
const PAYLOAD_HELD = 'payload_removed_reason = NULL, payload_removed_at = NULL';

/**
 * The delivery's own personal data: the meeting title (and its search text), with $1 the reason and $2 the time.
 * Its traces are cleared alongside.
 */
const REMOVE_PERSONAL = `title = '', title_folded = '', payload_removed_reason = $1, payload_removed_at = $2,
  updated_at = $2`;

/** An erased delivery that was not delivered yet: dead, for good (requeue refuses it), with the reason shown. */
const ERASED_UNDELIVERED = `status = 'dead', next_attempt_at = NULL, locked_by = NULL, locked_until = NULL,
  last_error_code = '${PAYLOAD_ERASED}', last_error_message = $3`;

/** Reopens a delivered or dead delivery: due `now` with fresh attempts; the attempt log keeps the old errors. */
function reopen(now: string): string {
  return `status = 'pending', attempts = 0, next_attempt_at = ${now}, open_since = ${now},
    last_error_code = NULL, last_error_message = NULL, updated_at = ${now}`;
}

/** The one row a query must return. */
function single(result: QueryResult, what: string): unknown {
  const [row] = result.rows;
  if (row === undefined) throw new Error(`${what} is missing from the database`);
  return row;
}

function instant(iso: string | undefined): Date | null {
  if (iso === undefined) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms);
}

function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

const duplicateRowSchema = z.object({
  kind: z.enum(['email', 'phone']),
  value: z.string(),
  ids: z.array(z.union([z.number(), z.string()])),
});
