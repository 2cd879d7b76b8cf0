import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Proof that a worker's process runs, for every process on one SQLite file (receivers, the CLI, threads): while a
 * worker runs, its process holds an exclusive SQLite lock on a small file of its own in `<database>.workers/` (an
 * empty database, `BEGIN EXCLUSIVE` never committed). The operating system drops the lock when the process dies,
 * however it dies, so a worker whose lock another connection can take is dead, at once and for certain; a process that
 * hangs keeps its lock (its deliveries wait for their lease). The files are on the database's own file system, which
 * SQLite's WAL already requires to be local to every process that opens the database.
 */
export class SqliteWorkerLocks {
  private readonly held = new Map<string, Database.Database>();

  /** `databaseFile` undefined: an in-memory database, which no other process can open: only this one's locks count. */
  constructor(private readonly databaseFile: string | undefined) {}

  /** Takes `workerId`'s lock for this process (no-op when it holds it already). */
  hold(workerId: string): void {
    if (this.held.has(workerId) || this.databaseFile === undefined) return;
    mkdirSync(this.directory(), { recursive: true });
    const lock = new Database(this.fileOf(workerId), { timeout: 0 });
    try {
      lock.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      lock.close();
      throw error;
    }
    this.held.set(workerId, lock);
  }

  /** Whether `workerId`'s process runs: its lock is held, by this process or another. */
  isHeld(workerId: string): boolean {
    if (this.held.has(workerId)) return true;
    // A running worker's file exists from before its registration until after its retirement.
    if (this.databaseFile === undefined || !existsSync(this.fileOf(workerId))) return false;
    return lockHeld(this.fileOf(workerId));
  }

  /** Releases `workerId`'s lock (when this process holds it) and removes its file. */
  release(workerId: string): void {
    const lock = this.held.get(workerId);
    this.held.delete(workerId);
    lock?.close();
    this.remove(workerId);
  }

  /** Removes the file of a worker found dead (its lock free). */
  remove(workerId: string): void {
    if (this.databaseFile === undefined || this.held.has(workerId)) return;
    rmSync(this.fileOf(workerId), { force: true });
  }

  /** Releases every lock this process holds (the store closes). */
  close(): void {
    for (const workerId of [...this.held.keys()]) this.release(workerId);
  }

  private directory(): string {
    return workersDirectory(this.databaseFile ?? '');
  }

  /** A worker id is any text: the file is named after its hash. */
  private fileOf(workerId: string): string {
    return join(this.directory(), `${createHash('sha256').update(workerId).digest('hex').slice(0, 32)}.lock`);
  }
}

/** Where the worker locks of the database `databaseFile` are. */
function workersDirectory(databaseFile: string): string {
  return `${databaseFile}.workers`;
}

/** Whether a process holds the lock in `file` (a worker of a running process). */
function lockHeld(file: string): boolean {
  let probe: Database.Database;
  try {
    // fileMustExist: a worker that retires meanwhile removes its file, which the probe must not create again.
    probe = new Database(file, { timeout: 0, fileMustExist: true });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_CANTOPEN') return false;
    throw error;
  }
  try {
    probe.exec('BEGIN EXCLUSIVE');
    probe.exec('ROLLBACK');
    return false;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return true;
    throw error;
  } finally {
    probe.close();
  }
}

/**
 * How many workers run on the database `databaseFile` now, in any process: the locks held in its `.workers/`
 * directory. A receiver holds one from its start until it stops, whichever way it stops.
 */
export function runningWorkers(databaseFile: string): number {
  const directory = workersDirectory(databaseFile);
  if (!existsSync(directory)) return 0;
  return readdirSync(directory)
    .filter((name) => name.endsWith('.lock'))
    .filter((name) => lockHeld(join(directory, name))).length;
}
