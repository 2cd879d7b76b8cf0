import type { Migration } from './pendingMigrations';

// Dates are integer epoch milliseconds, ids are text (UUIDs). STRICT tables make SQLite enforce the column types.
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, deliveries, attempts, participant outcomes',
    sql: `
      -- Every acknowledged request, keyed by the sender's delivery id (the idempotency key).
      CREATE TABLE events (
        id TEXT PRIMARY KEY,
        delivery_key TEXT NOT NULL UNIQUE,
        scheme TEXT NOT NULL,
        event_type TEXT NOT NULL,
        disposition TEXT NOT NULL CHECK (disposition IN ('queued', 'stale', 'ignored')),
        conversation_id TEXT,
        event_timestamp INTEGER,
        received_at INTEGER NOT NULL,
        raw_body BLOB
      ) STRICT;

      -- One per (conversation, target): the queue entry, pointing at the payload it delivers. open_since is when it
      -- last became open (created, or reopened after delivered/dead): the max-age clock and the queue-age metric.
      CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL,
        target TEXT NOT NULL,
        event_id TEXT NOT NULL REFERENCES events (id),
        title TEXT NOT NULL,
        title_folded TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'in_progress', 'retrying', 'delivered', 'dead')),
        version INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at INTEGER,
        locked_by TEXT,
        locked_until INTEGER,
        last_error_code TEXT,
        last_error_message TEXT,
        created_at INTEGER NOT NULL,
        open_since INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        delivered_at INTEGER,
        UNIQUE (conversation_id, target)
      ) STRICT;
      CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'retrying');
      CREATE INDEX deliveries_lease ON deliveries (locked_until) WHERE status = 'in_progress';
      CREATE INDEX deliveries_newest ON deliveries (created_at DESC, id DESC);
      CREATE INDEX deliveries_status_newest ON deliveries (status, created_at DESC, id DESC);

      -- The audit trail: every attempt that ended while its worker still held the lease.
      CREATE TABLE attempts (
        seq INTEGER PRIMARY KEY,
        delivery_id TEXT NOT NULL REFERENCES deliveries (id),
        version INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead')),
        error_code TEXT,
        error_message TEXT,
        crm_status INTEGER,
        api_calls INTEGER
      ) STRICT;
      CREATE INDEX attempts_by_delivery ON attempts (delivery_id, started_at);

      -- The matching decision per participant of the last completed attempt. CRM ids are JSON (123 or "abc").
      CREATE TABLE participant_outcomes (
        delivery_id TEXT NOT NULL REFERENCES deliveries (id),
        participant_index INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        matched_by TEXT,
        created_company INTEGER,
        created_person INTEGER,
        person_id TEXT,
        company_id TEXT,
        note_id TEXT,
        trace TEXT NOT NULL,
        PRIMARY KEY (delivery_id, participant_index)
      ) STRICT;

      -- One row that readiness checks rewrite, to prove the database takes writes.
      CREATE TABLE heartbeat (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        checked_at INTEGER NOT NULL
      ) STRICT;
      INSERT INTO heartbeat (id, checked_at) VALUES (1, 0);
    `,
  },
  {
    version: 2,
    name: 'settings',
    sql: `
      -- Settings saved on the admin pages: one JSON value per key. Secrets in it are sealed (SECRET_KEY) by the
      -- settings service before they get here.
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'contact index',
    sql: `
      -- The local copy of a CRM target's persons, as matching needs them (replaced whole by each full sync). E-mails
      -- are lower-case, numbers E.164; CRM ids are JSON (123 or "abc"); updated_at is the CRM's ISO 8601 change time.
      CREATE TABLE contact_index (
        target TEXT NOT NULL,
        person_id TEXT NOT NULL,
        email TEXT,
        mobile_e164 TEXT,
        phone_e164 TEXT,
        company_id TEXT,
        company_name TEXT,
        company_main_e164 TEXT,
        inactive INTEGER NOT NULL CHECK (inactive IN (0, 1)),
        updated_at TEXT,
        PRIMARY KEY (target, person_id)
      ) STRICT;
      CREATE INDEX contact_index_email ON contact_index (target, email);
      CREATE INDEX contact_index_mobile ON contact_index (target, mobile_e164);
      CREATE INDEX contact_index_phone ON contact_index (target, phone_e164);
      CREATE INDEX contact_index_company_main ON contact_index (target, company_main_e164);

      -- When each target's index was last synced, and how many entries that sync wrote.
      CREATE TABLE contact_index_state (
        target TEXT PRIMARY KEY,
        synced_at INTEGER NOT NULL,
        size INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'payload removal (retention, erasure)',
    sql: `
      -- When and why a delivery's personal data was removed (payload bodies, title, matching traces): the retention
      -- purge after delivery, or an erasure request (dci-companion erase). NULL while the payload is held.
      ALTER TABLE deliveries ADD COLUMN payload_removed_reason TEXT
        CHECK (payload_removed_reason IN ('retention', 'erasure'));
      ALTER TABLE deliveries ADD COLUMN payload_removed_at INTEGER;
      CREATE INDEX deliveries_delivered_held ON deliveries (delivered_at)
        WHERE status = 'delivered' AND payload_removed_at IS NULL;
      -- The purge removes every stored payload of a conversation (re-sends, stale copies), found by this index.
      CREATE INDEX events_by_conversation ON events (conversation_id);
    `,
  },
  {
    version: 5,
    name: 'summary source, enrichment, job leases, rate buckets',
    sql: `
      -- Where each summary came from: DCI's signed webhook, the receiver's own poll of DCI's REST API, or a backfill.
      -- Every event stored before this version came by webhook.
      ALTER TABLE events ADD COLUMN source TEXT NOT NULL DEFAULT 'webhook'
        CHECK (source IN ('webhook', 'poll', 'backfill'));

      -- What DCI's REST API added in a delivery's last recorded attempt (JSON: state, added, missing, at; parts and
      -- reasons only, no personal data), with its state and time as columns of their own for the query that looks
      -- for partial ones to try again. A newer payload leaves them: they describe the last attempt.
      ALTER TABLE deliveries ADD COLUMN enrichment TEXT;
      ALTER TABLE deliveries ADD COLUMN enrichment_state TEXT
        CHECK (enrichment_state IN ('complete', 'partial', 'off'));
      ALTER TABLE deliveries ADD COLUMN enrichment_at INTEGER;
      CREATE INDEX deliveries_partially_enriched ON deliveries (target, enrichment_at, id)
        WHERE status = 'delivered' AND enrichment_state = 'partial';

      -- Background jobs that one replica runs at a time: the lease (holder until held_until) and the state the job
      -- saved (JSON), updated_at being when it last saved it (NULL before its first save).
      CREATE TABLE jobs (
        name TEXT PRIMARY KEY,
        holder TEXT,
        held_until INTEGER,
        state TEXT,
        updated_at INTEGER
      ) STRICT;

      -- Token buckets shared by every process on this database (DCI's request budget): tokens left as of
      -- refilled_at, and a pause (DCI said "slow down") until paused_until. tokens and refilled_at are NULL for a
      -- bucket that is still full as new (one created by a pause before its first take).
      CREATE TABLE rate_buckets (
        key TEXT PRIMARY KEY,
        tokens REAL,
        refilled_at INTEGER,
        paused_until INTEGER
      ) STRICT;
    `,
  },
  {
    version: 6,
    name: 'workers',
    sql: `
      -- The delivery workers running on this database, each registered at its start and removed at its graceful stop.
      -- A process holds a lock file of its own per worker while it runs (sqliteWorkerLocks.ts): a registered worker
      -- whose lock is free died, and its deliveries are taken back at once. beat_at is when it last said it runs
      -- (its own clock) and interval_ms how often it beats: kept for the record, liveness does not depend on them.
      CREATE TABLE workers (
        id TEXT PRIMARY KEY,
        started_at INTEGER NOT NULL,
        beat_at INTEGER NOT NULL,
        interval_ms INTEGER NOT NULL CHECK (interval_ms > 0)
      ) STRICT;
    `,
  },
  {
    version: 7,
    name: 'rate budgets',
    sql: `
      -- The CRM's request budget (LIME_RATE_LIMIT), shared by every process on this database: one row per origin
      -- (locked by each take), and every request spent in the window. blocked_until is the CRM's Retry-After;
      -- lowered_limit holds until lowered_until after a 429; the waiting_until columns say a delivery (or probe)
      -- waits, so syncs hold back (a probe does not). Times are epoch milliseconds.
      CREATE TABLE rate_budgets (
        origin TEXT PRIMARY KEY,
        blocked_until INTEGER,
        lowered_limit INTEGER,
        lowered_until INTEGER,
        lowerings INTEGER NOT NULL DEFAULT 0,
        delivery_waiting_until INTEGER,
        probe_waiting_until INTEGER
      ) STRICT;

      -- A request spent: refused when the CRM answered it 429. Rows older than two windows are deleted by the takes.
      CREATE TABLE rate_budget_spends (
        id INTEGER PRIMARY KEY,
        origin TEXT NOT NULL,
        spent_at INTEGER NOT NULL,
        purpose TEXT NOT NULL CHECK (purpose IN ('delivery', 'probe', 'sync')),
        refused INTEGER NOT NULL DEFAULT 0 CHECK (refused IN (0, 1))
      ) STRICT;
      CREATE INDEX rate_budget_spends_window ON rate_budget_spends (origin, spent_at);
    `,
  },
  {
    version: 8,
    name: 'participant lookup keys',
    sql: `
      -- Finding deliveries by a participant's e-mail or phone number (the admin's search, re-matching) without a
      -- searchable copy of either: key_hash is HMAC-SHA256 (hex) of the normalized e-mail or E.164 number under the
      -- lookup key (secrets/participantLookup.ts). Rows are for the payload the delivery holds now: written with it,
      -- removed with it (erasure, retention). participant_index is the participant's index as its outcome has it.
      CREATE TABLE participant_keys (
        delivery_id TEXT NOT NULL REFERENCES deliveries (id),
        participant_index INTEGER NOT NULL CHECK (participant_index >= 0),
        key_kind TEXT NOT NULL CHECK (key_kind IN ('email', 'phone')),
        key_hash TEXT NOT NULL CHECK (length(key_hash) = 64),
        PRIMARY KEY (delivery_id, participant_index, key_kind, key_hash)
      ) STRICT;
      CREATE INDEX participant_keys_hash ON participant_keys (key_hash);
    `,
  },
  {
    version: 9,
    name: 'participants resolved later',
    sql: `
      -- A participant first left without a person (no match, ambiguous, a company note) whose note was written later
      -- (issue 19): by re-matching when the contact index changed ('rematch'), or because an admin said who it is
      -- ('admin', resolved_by naming the admin). Cleared when a later delivery of the whole meeting replaces the row.
      ALTER TABLE participant_outcomes ADD COLUMN resolved_how TEXT CHECK (resolved_how IN ('rematch', 'admin'));
      ALTER TABLE participant_outcomes ADD COLUMN resolved_at INTEGER;
      ALTER TABLE participant_outcomes ADD COLUMN resolved_by TEXT;
    `,
  },
  {
    version: 10,
    name: 'contact index names',
    sql: `
      -- The person's name, for the admin's search when assigning a participant (issue 19): person_name as the CRM
      -- holds it ("firstname lastname"), name_folded its lower-case form without diacritics that the search compares
      -- with (foldName.ts). Personal data: removed with the entry (erasure, the next full sync). Entries synced
      -- before this version have none until the next full sync.
      ALTER TABLE contact_index ADD COLUMN person_name TEXT;
      ALTER TABLE contact_index ADD COLUMN name_folded TEXT;
    `,
  },
];
