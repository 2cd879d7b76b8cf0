import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { applySqliteMigrations } from '../migrations/applySqliteMigrations';
import { SQLITE_MIGRATIONS } from '../migrations/sqliteMigrations';
import type { ReceiverStore } from '../receiverStore';
import { sqliteConnection, synchronousOf } from './sqliteConnection';
import { sqliteParticipantResolutions } from './sqliteParticipantResolutions';
import { sqliteContactIndexStore } from './sqliteContactIndexStore';
import { sqliteDeliveryQueue } from './sqliteDeliveryQueue';
import { sqliteDeliveryReads } from './sqliteDeliveryReads';
import { sqliteDeliveryStats } from './sqliteDeliveryStats';
import { sqliteJobLeases } from './sqliteJobLeases';
import { sqlitePartialEnrichments } from './sqlitePartialEnrichments';
import { sqliteParticipantKeys } from './sqliteParticipantKeys';
import { sqlitePersonalDataStore } from './sqlitePersonalDataStore';
import { sqliteRateBuckets } from './sqliteRateBuckets';
import { sqliteRateBudgetStore } from './sqliteRateBudgetStore';
import { sqliteSettingsStore } from './sqliteSettingsStore';
import { sqliteStoreHealth } from './sqliteStoreHealth';
import { SqliteWorkerLocks } from './sqliteWorkerLocks';
import { sqliteWorkerRegistry } from './sqliteWorkerRegistry';
import { SqliteAcceptThread, type AcceptThreadSettings } from './sqliteAcceptThread';

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

// The ports' methods are assigned in the constructor; this declaration, merged with the class, gives it their types.
export interface SqliteStore extends ReceiverStore {}

/**
 * ReceiverStore on SQLite: one connection (and the accept thread's, when it has one), every port's SQL on it
 * (sqlite/, one file per port). Several instances (processes) may share the file: every read-then-write runs in a
 * `BEGIN IMMEDIATE` transaction.
 */
export class SqliteStore {
  private readonly workerLocks: SqliteWorkerLocks;

  constructor(
    private readonly db: Database.Database,
    private readonly acceptThread?: SqliteAcceptThread,
  ) {
    const connection = sqliteConnection(db);
    this.workerLocks = new SqliteWorkerLocks(db.memory ? undefined : db.name);
    // Typed as the whole store but for `close`: a port left out fails to compile here.
    const ports: Omit<ReceiverStore, 'close'> = {
      ...sqliteDeliveryQueue(connection, acceptThread),
      ...sqliteDeliveryReads(connection),
      ...sqliteDeliveryStats(connection),
      ...sqliteSettingsStore(connection),
      ...sqliteContactIndexStore(connection),
      ...sqliteParticipantResolutions(connection),
      ...sqlitePersonalDataStore(connection),
      ...sqliteParticipantKeys(connection),
      ...sqlitePartialEnrichments(connection),
      ...sqliteJobLeases(connection),
      ...sqliteRateBuckets(connection),
      ...sqliteRateBudgetStore(connection),
      ...sqliteStoreHealth(connection, acceptThread),
      ...sqliteWorkerRegistry(connection, this.workerLocks),
    };
    Object.assign(this, ports);
  }

  async close(): Promise<void> {
    await this.acceptThread?.close();
    // As when the process dies: the workers registered here are dead to every other connection.
    this.workerLocks.close();
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
}
