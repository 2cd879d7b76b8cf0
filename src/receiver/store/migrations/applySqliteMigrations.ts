import type { Database } from 'better-sqlite3';
import { pendingMigrations, type Migration } from './pendingMigrations';

/**
 * Brings the schema up to the last of `migrations`, applied in version order, recording each in `schema_migrations`.
 * Opening an up-to-date database changes nothing; one written by a newer build is refused.
 */
export function applySqliteMigrations(db: Database, migrations: readonly Migration[], now: Date): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');

  // IMMEDIATE: the versions are read under the write lock, so two processes starting together cannot both apply
  // the same migration; a failing migration rolls back with its record, and the next start tries it again.
  db.transaction(() => {
    const applied = db.prepare('SELECT version FROM schema_migrations').all();
    for (const migration of pendingMigrations(migrations, applied)) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, now.getTime());
    }
  }).immediate();
}
