// `dci-companion backup <file>` and `restore <file>`: the SQLite store's online backup and its checked restore
// (docs/operate.md: Backup and restore). PostgreSQL is backed up with its own tools.
import { resolve } from 'node:path';
import type { StoreLocation } from '../store/storeLocation';
import {
  backupSqliteDatabase,
  BackupError,
  restoreSqliteDatabase,
  SQLITE_SCHEMA_VERSION,
  type BackupCheck,
} from '../store/sqlite/sqliteBackup';
import { missingDatabase, storeLocationOrSay } from './cliStore';

type Output = (line: string) => void;
type Env = Record<string, string | undefined>;

const POSTGRES_BACKUP =
  "DATABASE_URL is set: the store is PostgreSQL. Back it up and restore it with PostgreSQL's own tools: " +
  'pg_dump -Fc (a consistent dump while the receiver runs) and pg_restore (docs/operate.md: Backup and restore).';

/** Writes an online backup of the SQLite store to `file`; exit 0 done, 1 failed, 2 usage or nothing to back up. */
export async function backup(
  file: string | undefined,
  options: { force: boolean },
  env: Env,
  out: Output,
  err: Output,
): Promise<number> {
  if (file === undefined) {
    err('backup needs the file to write: dci-companion backup <file> [--force].');
    return 2;
  }
  const location = sqliteLocation(env, err);
  if (location === undefined) return 2;
  const missing = missingDatabase(location, env);
  if (missing !== undefined) {
    err(missing.replace(/, or pass --create.*$/u, '.'));
    return 2;
  }
  const target = resolve(file);
  try {
    const written = await backupSqliteDatabase(location.file, target, { replace: options.force });
    out(
      `Backup written to ${target}: ${formatBytes(written.bytes)}, schema version ${written.schemaVersion}` +
        ` (this version writes ${SQLITE_SCHEMA_VERSION}).`,
    );
    return 0;
  } catch (error) {
    if (error instanceof BackupError && error.code === 'backup_exists') {
      err(`${target} exists: pass --force to replace it, or name another file.`);
      return 2;
    }
    err(`The backup failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/**
 * Replaces the SQLite store with the backup `file`, after checking it, while no receiver runs on DATA_DIR; the current
 * database is kept beside it. A DATA_DIR without a database (a mistyped or unset one, which the service does not read)
 * is refused unless `create` (restoring onto a new machine). Exit 0 restored, 1 refused or failed, 2 usage,
 * PostgreSQL or no database.
 */
export async function restore(
  file: string | undefined,
  options: { create: boolean },
  env: Env,
  out: Output,
  err: Output,
): Promise<number> {
  if (file === undefined) {
    err('restore needs the backup file: dci-companion restore <file>.');
    return 2;
  }
  const location = sqliteLocation(env, err);
  if (location === undefined) return 2;
  const missing = options.create ? undefined : missingDatabase(location, env);
  if (missing !== undefined) {
    err(missing.replace(/, or pass --create.*$/u, ', or pass --create to restore into a new one there.'));
    return 2;
  }
  const source = resolve(file);
  let result: Awaited<ReturnType<typeof restoreSqliteDatabase>>;
  try {
    result = await restoreSqliteDatabase(source, location.file, new Date());
  } catch (error) {
    err(`The restore failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  switch (result.kind) {
    case 'refused':
      err(`Not restored: ${describeRefusal(source, result.check)}`);
      return 1;
    case 'receiver_running':
      err(
        `Not restored: a receiver is running on ${location.file} (${result.workers} running worker${
          result.workers === 1 ? '' : 's'
        }). Stop it first, then restore, then start it again.`,
      );
      return 1;
    case 'restored':
      out(
        `Restored ${source} into ${location.file}: ${formatBytes(result.bytes)}, schema version ${result.schemaVersion}.`,
      );
      out(
        result.keptAs === undefined
          ? 'There was no database before.'
          : `The database it replaced is kept as ${result.keptAs}.`,
      );
      if (result.schemaVersion < SQLITE_SCHEMA_VERSION) {
        out(`The receiver brings it to schema version ${SQLITE_SCHEMA_VERSION} when it starts.`);
      }
      return 0;
  }
}

function describeRefusal(file: string, check: Exclude<BackupCheck, { kind: 'ok' }>): string {
  switch (check.kind) {
    case 'unreadable':
      return `${file} cannot be read (${check.detail}).`;
    case 'corrupt':
      return `${file} is damaged: SQLite's integrity check says ${check.problems.join('; ')}.`;
    case 'not_receiver':
      return `${file} is a SQLite database, but not a receiver's (it has no schema_migrations table).`;
    case 'newer':
      return `${file} was written by a newer version (schema ${check.schemaVersion}, this version knows ${check.knownVersion}): restore it with that version, or restore a backup taken before the upgrade.`;
  }
}

/** The SQLite store's location; undefined (after saying why) for PostgreSQL or an invalid environment. */
function sqliteLocation(env: Env, err: Output): Extract<StoreLocation, { kind: 'sqlite' }> | undefined {
  const location = storeLocationOrSay(env, err);
  if (location === undefined) return undefined;
  if (location.kind === 'postgres') {
    err(POSTGRES_BACKUP);
    return undefined;
  }
  return location;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
