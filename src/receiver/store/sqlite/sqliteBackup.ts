import {
  chownSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { latestVersion } from '../migrations/pendingMigrations';
import { SQLITE_MIGRATIONS } from '../migrations/sqliteMigrations';
import { runningWorkers } from './sqliteWorkerLocks';

// Backup and restore of the SQLite store (dci-companion backup/restore, docs/operate.md). PostgreSQL has its own tools
// (pg_dump, pg_restore).

/** The schema version this release writes (the newest SQLite migration). */
export const SQLITE_SCHEMA_VERSION = latestVersion(SQLITE_MIGRATIONS);

/** A backup as written: its size and the schema version of the database it holds. */
export interface BackupWritten {
  bytes: number;
  schemaVersion: number;
}

/**
 * Copies the database `source` into `target` with SQLite's online backup: one consistent snapshot (a read
 * transaction), while a receiver may be writing (WAL lets it go on meanwhile). The copy is written under a temporary
 * name beside `target`, made a single self-contained file (journal mode DELETE, no -wal to go with it), checked, and
 * only then renamed to `target`, so `target` is never half a backup. An existing `target` is replaced only with
 * `replace` (the caller asks first).
 */
export async function backupSqliteDatabase(
  source: string,
  target: string,
  options: { replace: boolean },
): Promise<BackupWritten> {
  if (!options.replace && existsSync(target)) throw new BackupError('backup_exists', `${target} exists`);
  const partial = `${target}.partial-${process.pid}`;
  const db = new Database(source, { fileMustExist: true, timeout: 5000 });
  try {
    // better-sqlite3 starts with a step of 0 pages (it only counts them) and then calls `progress`; returning the
    // largest count it takes makes the next step copy every page in one call, inside one read transaction: one
    // snapshot. A commit by the receiver between the two steps restarts a copy that has not begun; one during the
    // second step waits for nothing (WAL) and is not in the copy. (Its default, without `progress`, is 100 pages a
    // step, restarted whenever another connection commits between steps.)
    await db.backup(partial, { progress: () => 0x7fffffff });
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
  try {
    const copy = new Database(partial, { fileMustExist: true });
    let schemaVersion: number;
    try {
      copy.pragma('journal_mode = DELETE');
      const problems = integrityProblems(copy);
      if (problems.length > 0) throw new BackupError('backup_corrupt', problems.join('; '));
      schemaVersion = schemaVersionOf(copy) ?? 0;
    } finally {
      copy.close();
    }
    syncFile(partial);
    renameSync(partial, target);
    syncFile(dirname(target));
    return { bytes: statSync(target).size, schemaVersion };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** What a file offered for restore holds: a receiver database this release can open, or why not. */
export type BackupCheck =
  | { kind: 'ok'; schemaVersion: number }
  | { kind: 'unreadable'; detail: string }
  | { kind: 'corrupt'; problems: string[] }
  | { kind: 'not_receiver' }
  | { kind: 'newer'; schemaVersion: number; knownVersion: number };

/** Checks `file` as a backup to restore: readable, `PRAGMA integrity_check` ok, our migrations, not newer than us. */
export function checkSqliteBackup(file: string): BackupCheck {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    return { kind: 'unreadable', detail: messageOf(error) };
  }
  try {
    const problems = integrityProblems(db);
    if (problems.length > 0) return { kind: 'corrupt', problems };
    const schemaVersion = schemaVersionOf(db);
    if (schemaVersion === undefined) return { kind: 'not_receiver' };
    if (schemaVersion > SQLITE_SCHEMA_VERSION) {
      return { kind: 'newer', schemaVersion, knownVersion: SQLITE_SCHEMA_VERSION };
    }
    return { kind: 'ok', schemaVersion };
  } catch (error) {
    // A file that is not a database at all (SQLITE_NOTADB) or damaged past what integrity_check reports.
    return { kind: 'corrupt', problems: [messageOf(error)] };
  } finally {
    db.close();
  }
}

/** What a restore did, or why it did nothing. */
export type RestoreResult =
  | { kind: 'restored'; schemaVersion: number; bytes: number; keptAs?: string | undefined }
  | { kind: 'refused'; check: Exclude<BackupCheck, { kind: 'ok' }> }
  | { kind: 'receiver_running'; workers: number };

/**
 * Puts the backup `backupFile` in place of the database `databaseFile`, after checking it (checkSqliteBackup), while
 * no receiver runs on it (its worker locks; a receiver writing meanwhile would write into the file being replaced).
 * The current database, if any, is kept beside it as `<database>.before-restore-<time>`, checkpointed first so the
 * kept file holds everything; a -wal that could not be checkpointed goes with it, and no -wal or -shm of the old file
 * stays beside the restored one (SQLite would replay it into the restored database). The backup is copied with
 * SQLite's online backup (so a copied database's own -wal, which the check read, is in the copy too; a plain file copy
 * would lose its commits) under a temporary name and renamed into place: the database is never half a backup.
 */
export async function restoreSqliteDatabase(
  backupFile: string,
  databaseFile: string,
  now: Date,
): Promise<RestoreResult> {
  const check = checkSqliteBackup(backupFile);
  if (check.kind !== 'ok') return { kind: 'refused', check };
  const workers = runningWorkers(databaseFile);
  if (workers > 0) return { kind: 'receiver_running', workers };

  const incoming = `${databaseFile}.restoring-${process.pid}`;
  // A new DATA_DIR (restoring onto a new machine) is created, as the receiver's first start would.
  mkdirSync(dirname(databaseFile), { recursive: true });
  await copyDatabase(backupFile, incoming);
  // Run as root (the systemd steps), the restored file would be root's, and the service's own user could not write
  // it: it gets the owner of the database it replaces, else of DATA_DIR.
  if (process.getuid?.() === 0) {
    const owner = statSync(existsSync(databaseFile) ? databaseFile : dirname(databaseFile));
    chownSync(incoming, owner.uid, owner.gid);
  }
  let keptAs: string | undefined;
  try {
    if (existsSync(databaseFile)) {
      checkpoint(databaseFile);
      keptAs = `${databaseFile}.before-restore-${now.toISOString().replace(/[:.]/gu, '-')}`;
      renameSync(databaseFile, keptAs);
    }
    // What the checkpoint left (it failed, or an orphan of a removed database): kept with the old file, never
    // beside the restored one.
    if (existsSync(`${databaseFile}-wal`)) {
      if (keptAs === undefined) rmSync(`${databaseFile}-wal`);
      else renameSync(`${databaseFile}-wal`, `${keptAs}-wal`);
    }
    rmSync(`${databaseFile}-shm`, { force: true });
    renameSync(incoming, databaseFile);
    syncFile(dirname(databaseFile));
  } catch (error) {
    rmSync(incoming, { force: true });
    throw error;
  }
  return { kind: 'restored', schemaVersion: check.schemaVersion, bytes: statSync(databaseFile).size, keptAs };
}

/**
 * Writes `source` as SQLite reads it (its -wal included) to the new file `target`, a single self-contained file
 * (journal mode DELETE), synced; no partial `target` is left on failure.
 */
async function copyDatabase(source: string, target: string): Promise<void> {
  try {
    const db = new Database(source, { readonly: true, fileMustExist: true, timeout: 5000 });
    try {
      await db.backup(target, { progress: () => 0x7fffffff });
    } finally {
      db.close();
    }
    const copy = new Database(target, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    syncFile(target);
  } catch (error) {
    rmSync(target, { force: true });
    rmSync(`${target}-journal`, { force: true });
    throw error;
  }
}

/** Folds the database's WAL into the file (and removes it), so the file alone holds every commit; best effort. */
function checkpoint(databaseFile: string): void {
  try {
    const db = new Database(databaseFile, { fileMustExist: true, timeout: 5000 });
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      // The last connection to close checkpoints once more and removes the -wal and -shm.
      db.close();
    }
  } catch {
    // A damaged database (a reason to restore): its -wal is kept beside it instead.
  }
}

/** `PRAGMA integrity_check`'s findings; none when it answers `ok`. */
function integrityProblems(db: Database.Database): string[] {
  const rows = z.array(z.object({ integrity_check: z.string() })).parse(db.pragma('integrity_check'));
  const problems = rows.map((row) => row.integrity_check).filter((line) => line !== 'ok');
  return problems.slice(0, 10);
}

/** The newest migration applied to `db`; undefined when it has no `schema_migrations` (not a receiver's database). */
function schemaVersionOf(db: Database.Database): number | undefined {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (table === undefined) return undefined;
  const row = z
    .object({ version: z.number().int().nullable() })
    .parse(db.prepare('SELECT max(version) AS version FROM schema_migrations').get());
  return row.version ?? 0;
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `backup_exists` (the target is there and was not to be replaced), `backup_corrupt` (the copy failed its check). */
export class BackupError extends Error {
  constructor(
    readonly code: 'backup_exists' | 'backup_corrupt',
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}
