import type { Migration } from './pendingMigrations';

// The same tables, columns and meaning as SQLITE_MIGRATIONS, version for version, in PostgreSQL's types: instants are
// timestamptz (readable in psql; the store passes Dates), raw bodies bytea, CRM ids and settings jsonb. Ids stay text
// (UUIDs written by the store): an id typed on the admin pages or the CLI that is not a UUID is simply not found.
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, deliveries, attempts, participant outcomes',
    sql: `
      -- Every acknowledged request, keyed by the sender's delivery id (the idempotency key).
      CREATE TABLE events (
        id text PRIMARY KEY,
        delivery_key text NOT NULL UNIQUE,
        scheme text NOT NULL,
        event_type text NOT NULL,
        disposition text NOT NULL CHECK (disposition IN ('queued', 'stale', 'ignored')),
        conversation_id text,
        event_timestamp timestamptz,
        received_at timestamptz NOT NULL,
        raw_body bytea
      );

      -- One per (conversation, target): the queue entry, pointing at the payload it delivers. open_since is when it
      -- last became open (created, or reopened after delivered/dead): the max-age clock and the queue-age metric.
      -- title_folded is the title lower-cased by the store (Unicode-aware whatever the database's collation).
      CREATE TABLE deliveries (
        id text PRIMARY KEY,
        conversation_id text NOT NULL,
        target text NOT NULL,
        event_id text NOT NULL REFERENCES events (id),
        title text NOT NULL,
        title_folded text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'in_progress', 'retrying', 'delivered', 'dead')),
        version integer NOT NULL,
        attempts integer NOT NULL,
        next_attempt_at timestamptz,
        locked_by text,
        locked_until timestamptz,
        last_error_code text,
        last_error_message text,
        created_at timestamptz NOT NULL,
        open_since timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        delivered_at timestamptz,
        UNIQUE (conversation_id, target)
      );
      CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'retrying');
      CREATE INDEX deliveries_lease ON deliveries (locked_until) WHERE status = 'in_progress';
      CREATE INDEX deliveries_newest ON deliveries (created_at DESC, id DESC);
      CREATE INDEX deliveries_status_newest ON deliveries (status, created_at DESC, id DESC);

      -- The audit trail: every attempt that ended while its worker still held the lease.
      CREATE TABLE attempts (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id text NOT NULL REFERENCES deliveries (id),
        version integer NOT NULL,
        attempt integer NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead')),
        error_code text,
        error_message text,
        crm_status integer,
        api_calls integer
      );
      CREATE INDEX attempts_by_delivery ON attempts (delivery_id, started_at);

      -- The matching decision per participant of the last completed attempt. CRM ids are JSON (123 or "abc").
      CREATE TABLE participant_outcomes (
        delivery_id text NOT NULL REFERENCES deliveries (id),
        participant_index integer NOT NULL,
        outcome text NOT NULL,
        matched_by text,
        created_company boolean,
        created_person boolean,
        person_id jsonb,
        company_id jsonb,
        note_id jsonb,
        trace text NOT NULL,
        PRIMARY KEY (delivery_id, participant_index)
      );

      -- One row that readiness checks rewrite, to prove the database takes writes.
      CREATE TABLE heartbeat (
        id integer PRIMARY KEY CHECK (id = 1),
        checked_at timestamptz NOT NULL
      );
      INSERT INTO heartbeat (id, checked_at) VALUES (1, 'epoch');
    `,
  },
  {
    version: 2,
    name: 'settings',
    sql: `
      -- Settings saved on the admin pages: one JSON value per key. Secrets in it are sealed (SECRET_KEY) by the
      -- settings service before they get here.
      CREATE TABLE settings (
        key text PRIMARY KEY,
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'contact index',
    sql: `
      -- The local copy of a CRM target's persons, as matching needs them (replaced whole by each full sync). E-mails
      -- are lower-case, numbers E.164; CRM ids are JSON (123 or "abc"); updated_at is the CRM's ISO 8601 change time.
      CREATE TABLE contact_index (
        target text NOT NULL,
        person_id jsonb NOT NULL,
        email text,
        mobile_e164 text,
        phone_e164 text,
        company_id jsonb,
        company_name text,
        company_main_e164 text,
        inactive boolean NOT NULL,
        updated_at text,
        PRIMARY KEY (target, person_id)
      );
      CREATE INDEX contact_index_email ON contact_index (target, email);
      CREATE INDEX contact_index_mobile ON contact_index (target, mobile_e164);
      CREATE INDEX contact_index_phone ON contact_index (target, phone_e164);
      CREATE INDEX contact_index_company_main ON contact_index (target, company_main_e164);

      -- When each target's index was last synced, and how many entries that sync wrote.
      CREATE TABLE contact_index_state (
        target text PRIMARY KEY,
        synced_at timestamptz NOT NULL,
        size integer NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'payload removal (retention, erasure)',
    sql: `
      -- When and why a delivery's personal data was removed (payload bodies, title, matching traces): the retention
      -- purge after delivery, or an erasure request (dci-companion erase). NULL while the payload is held.
      ALTER TABLE deliveries ADD COLUMN payload_removed_reason text
        CHECK (payload_removed_reason IN ('retention', 'erasure'));
      ALTER TABLE deliveries ADD COLUMN payload_removed_at timestamptz;
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
      ALTER TABLE events ADD COLUMN source text NOT NULL DEFAULT 'webhook'
        CHECK (source IN ('webhook', 'poll', 'backfill'));

      -- What DCI's REST API added in a delivery's last recorded attempt (state, added, missing, at; parts and reasons
      -- only, no personal data), with its state and time as columns of their own for the query that looks for
      -- partial ones to try again. A newer payload leaves them: they describe the last attempt.
      ALTER TABLE deliveries ADD COLUMN enrichment jsonb;
      ALTER TABLE deliveries ADD COLUMN enrichment_state text
        CHECK (enrichment_state IN ('complete', 'partial', 'off'));
      ALTER TABLE deliveries ADD COLUMN enrichment_at timestamptz;
      CREATE INDEX deliveries_partially_enriched ON deliveries (target, enrichment_at, id)
        WHERE status = 'delivered' AND enrichment_state = 'partial';

      -- Background jobs that one replica runs at a time: the lease (holder until held_until) and the state the job
      -- saved, updated_at being when it last saved it (NULL before its first save).
      CREATE TABLE jobs (
        name text PRIMARY KEY,
        holder text,
        held_until timestamptz,
        state jsonb,
        updated_at timestamptz
      );

      -- Token buckets shared by every replica on this schema (DCI's request budget): tokens left as of refilled_at,
      -- and a pause (DCI said "slow down") until paused_until. tokens and refilled_at are NULL for a bucket that is
      -- still full as new (one created by a pause before its first take).
      CREATE TABLE rate_buckets (
        key text PRIMARY KEY,
        tokens double precision,
        refilled_at timestamptz,
        paused_until timestamptz
      );
    `,
  },
  {
    version: 6,
    name: 'workers',
    sql: `
      -- The delivery workers of every replica on this schema, each registered at its start, beating every
      -- interval_ms (its own WORKER_HEARTBEAT_SECONDS) and removed at its graceful stop. beat_at is the server's now()
      -- at its last beat. A worker silent for four of its own intervals, on the server's clock, is presumed dead: its
      -- row is removed and its deliveries are taken back (the heartbeat table above is the health check's single row).
      CREATE TABLE workers (
        id text PRIMARY KEY,
        started_at timestamptz NOT NULL,
        beat_at timestamptz NOT NULL,
        interval_ms integer NOT NULL CHECK (interval_ms > 0)
      );
    `,
  },
  {
    version: 7,
    name: 'rate budgets',
    sql: `
      -- The CRM's request budget (LIME_RATE_LIMIT), shared by every replica on this schema: one row per origin
      -- (locked FOR UPDATE by each take, so two replicas never both spend the last request), and every request spent
      -- in the window. blocked_until is the CRM's Retry-After; lowered_limit holds until lowered_until after a 429;
      -- the waiting_until columns say a delivery (or probe) waits, so syncs hold back (a probe does not).
      CREATE TABLE rate_budgets (
        origin text PRIMARY KEY,
        blocked_until timestamptz,
        lowered_limit integer,
        lowered_until timestamptz,
        lowerings integer NOT NULL DEFAULT 0,
        delivery_waiting_until timestamptz,
        probe_waiting_until timestamptz
      );

      -- A request spent: refused when the CRM answered it 429. Rows older than two windows are deleted by the takes.
      CREATE TABLE rate_budget_spends (
        id bigserial PRIMARY KEY,
        origin text NOT NULL,
        spent_at timestamptz NOT NULL,
        purpose text NOT NULL CHECK (purpose IN ('delivery', 'probe', 'sync')),
        refused boolean NOT NULL DEFAULT false
      );
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
        delivery_id text NOT NULL REFERENCES deliveries (id),
        participant_index integer NOT NULL CHECK (participant_index >= 0),
        key_kind text NOT NULL CHECK (key_kind IN ('email', 'phone')),
        key_hash text NOT NULL CHECK (length(key_hash) = 64),
        PRIMARY KEY (delivery_id, participant_index, key_kind, key_hash)
      );
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
      ALTER TABLE participant_outcomes ADD COLUMN resolved_how text CHECK (resolved_how IN ('rematch', 'admin'));
      ALTER TABLE participant_outcomes ADD COLUMN resolved_at timestamptz;
      ALTER TABLE participant_outcomes ADD COLUMN resolved_by text;
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
      ALTER TABLE contact_index ADD COLUMN person_name text;
      ALTER TABLE contact_index ADD COLUMN name_folded text;
    `,
  },
];
